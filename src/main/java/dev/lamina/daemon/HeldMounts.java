package dev.lamina.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts whose life is tied to their client's connection: {@code lamina run}'s root. The client keeps the
 * connection of its {@code mount-held} request open while its container runs and sends {@code release} when it
 * ends; the daemon then unmounts and answers once the mount has left its table (its layers released). A client that
 * dies without a word (kill -9) closes the connection, and the daemon unmounts then. A later client that finds the
 * mount point still mounted (the daemon may be unmounting at that moment) asks {@code release-orphan}: answered 0
 * once a mount whose holder is gone is unmounted, 1 while its holder still runs, 2 for a mount held by nobody.
 */
final class HeldMounts {
  private static final Logger LOG = LoggerFactory.getLogger(HeldMounts.class);
  static final String MOUNT = "mount-held";
  static final String RELEASE = "release";
  static final String RELEASE_ORPHAN = "release-orphan";
  private static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(10);

  /** A held mount: its entry in the daemon's table and the client process that holds it. */
  static final class Holder {
    private final String key;
    private final ServedMounts.Served served;
    private final long pid;
    private final Optional<Instant> start;
    private volatile boolean gone;
    private boolean released;

    private Holder(String key, ServedMounts.Served served, long pid) {
      this.key = key;
      this.served = served;
      this.pid = pid;
      this.start = pid > 0 ? ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()) : Optional.empty();
    }

    /** Whether the client still runs: its connection is open and its pid (when visible here) is the same process. */
    private boolean alive() {
      if (gone) {
        return false;
      }
      if (pid <= 0 || start.isEmpty()) {
        return true; // not visible from here: only the connection's end tells
      }
      return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).equals(start);
    }
  }

  private final ServedMounts mounts;
  private final Map<String, Holder> held = new ConcurrentHashMap<>();

  HeldMounts(ServedMounts mounts) {
    this.mounts = mounts;
  }

  /** After a held mount of {@code key} went live: records that {@code pid} holds it; null when it is already gone. */
  Holder register(String key, long pid) {
    for (ServedMounts.Served s : mounts.list()) {
      if (s.mount().key().equals(key)) {
        Holder h = new Holder(key, s, pid);
        held.put(key, h);
        return h;
      }
    }
    return null;
  }

  /** The pid holding the mount named {@code key}, or -1. */
  long holder(String key) {
    Holder h = held.get(key);
    return h == null ? -1 : h.pid;
  }

  /** On the request's thread, after the answer: waits for {@code release} or the connection's end, then unmounts. */
  void hold(Holder h, InputStream in, OutputStream out) {
    List<String> msg;
    try {
      msg = Frames.read(in);
    } catch (IOException e) {
      h.gone = true;
      LOG.info("the holder of {} (pid {}) went away without releasing it: unmounting", h.key, h.pid);
      release(h);
      return;
    }
    h.gone = true;
    if (!msg.isEmpty() && !msg.get(0).equals(RELEASE)) {
      LOG.warn("unexpected message from the holder of {}: {}", h.key, msg.get(0));
    }
    release(h);
    try {
      Frames.write(out, new DaemonServer.Reply(0, "").frame());
    } catch (IOException e) {
      LOG.debug("the holder of {} left before the answer to its release: {}", h.key, e.toString());
    }
  }

  /** {@code release-orphan KEY}: unmounts a held mount whose holder is gone; see the class comment for the codes. */
  DaemonServer.Reply releaseOrphan(String key) {
    Holder h = held.get(key);
    if (h == null) {
      return new DaemonServer.Reply(2, "lamina: the daemon holds no mount on " + key + "\n");
    }
    if (h.alive()) {
      return new DaemonServer.Reply(1, "lamina: " + key + " is held by pid " + h.pid + ", which still runs\n");
    }
    release(h);
    return new DaemonServer.Reply(0, "");
  }

  /** Unmounts once (a second caller waits for the first) and returns after the mount has left the table. */
  private void release(Holder h) {
    synchronized (h) {
      if (!h.released) {
        try {
          h.served.mount().close(); // unmounts; its layers are released as it leaves the table
        } catch (IOException | RuntimeException e) {
          LOG.warn("unmounting {} failed: {}", h.key, e.toString());
        }
        // when the kernel dropped the mount just before, the session may still be closing it: wait until it left
        long deadline = System.nanoTime() + LEAVE_TIMEOUT.toNanos();
        while (mounts.list().contains(h.served) && System.nanoTime() < deadline) {
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        h.released = true;
      }
    }
    held.remove(h.key, h);
  }
}
