package dev.lamina.daemon;

import dev.lamina.fuse.MountTable;
import dev.lamina.fuse.Unmount;
import dev.lamina.fuse.FuseMount;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import dev.lamina.sys.UnixSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's socket loop. One daemon per directory (an exclusive lock on {@code daemon.lock} held for life);
 * every connection's peer must be this daemon's own user (SO_PEERCRED), anyone else is refused before a byte of
 * the request is read. A request is served on a thread of its own, so a slow mount does not hold up the others.
 * With no mount and no request for the idle period the daemon removes its socket and exits.
 */
public final class DaemonServer {
  private static final Logger LOG = LoggerFactory.getLogger(DaemonServer.class);

  /** Reply code: the client is in another mount or user namespace; it must mount in a process of its own. */
  public static final int OTHER_NAMESPACE = 200;
  /** Reply code: the peer is not this daemon's user. */
  public static final int REFUSED = 201;
  /**
   * Reply code: the peer lacks capabilities this daemon has (a root process with some dropped): mounting for it
   * here would lend it the daemon's; it mounts in a process of its own.
   */
  public static final int MOUNT_PRIVATELY = 202;

  /** Parses and mounts a {@code lamina mount} command line in this JVM, adding the live mount to {@code mounts}. */
  public interface MountHandler {
    Reply mount(List<String> args, Path cwd, ServedMounts mounts);

    /** The same for a mount the client made in its own namespace and passed as descriptors. */
    Reply mountPassed(List<String> args, Path cwd, ServedMounts mounts, PassedMount passed);
  }

  /** An exit code for the client and what it prints on stderr. */
  public record Reply(int code, String err) {
    List<String> frame() {
      return List.of(Integer.toString(code), err);
    }
  }

  private final DaemonPaths paths;
  private final MountHandler handler;
  private final Duration idle;
  private final ServedMounts mounts;
  private final HeldMounts held;
  private final Object lock = new Object();
  private final Instant started = Instant.now();
  private final String user;
  private final int uid = DaemonPaths.uid();
  private final AtomicLong mountRequests = new AtomicLong();
  private final AtomicLong failedMounts = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private UnixSocket server;
  private int inFlight;
  private long lastActivity = System.nanoTime();
  private boolean stopping;

  public DaemonServer(DaemonPaths paths, MountHandler handler, Duration idle) throws IOException {
    this.paths = paths;
    this.handler = handler;
    this.idle = idle;
    this.mounts = new ServedMounts(() -> {
      touch();
      recordMounts();
    });
    this.held = new HeldMounts(mounts);
    this.user = Files.getOwner(Path.of("/proc/self")).getName();
  }

  /** The idle period: {@code LAMINA_DAEMON_IDLE} seconds, 30 by default. */
  public static Duration idleFromEnv() {
    String s = System.getenv("LAMINA_DAEMON_IDLE");
    try {
      return Duration.ofMillis((long) (Double.parseDouble(s == null || s.isEmpty() ? "30" : s) * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("LAMINA_DAEMON_IDLE=" + s + " is not a number of seconds");
    }
  }

  /**
   * Serves until idle or stopped. Returns 0 at once when another daemon already serves this directory (two clients
   * that both found no daemon start one each; one wins).
   */
  public int run() throws IOException, InterruptedException {
    paths.ensureDir();
    try (FileChannel lockFile = FileChannel.open(paths.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock held = acquire(lockFile);
      if (held == null) {
        LOG.info("another lamina daemon serves {}", paths.socket());
        return 0;
      }
      Files.deleteIfExists(paths.socket()); // left by a daemon that was killed
      java.util.Set<String> left = recordedMounts(); // read before our own mounts replace the record
      server = UnixSocket.listen(paths.socket());
      Files.setPosixFilePermissions(paths.socket(), PosixFilePermissions.fromString("rw-------"));
      LOG.info("lamina daemon {} of build {} listening on {} (idle exit after {}), running from {}",
          ProcessHandle.current().pid(), paths.build(), paths.socket(), idle, System.getProperty("java.class.path"));
      daemonThread("lamina-daemon-idle", this::watchIdle);
      daemonThread("lamina-daemon-cleanup", () -> {
        cleanDeadMounts(left);
        cleanOtherBuilds();
      });
      acceptLoop();
      return 0;
    }
  }

  /** The lock, or null when a live daemon holds it; waits (10 s at most) for one that is exiting. */
  private FileLock acquire(FileChannel ch) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      FileLock l = ch.tryLock();
      if (l != null) {
        return l;
      }
      if (DaemonClient.answers(paths) || System.nanoTime() > deadline) {
        return null;
      }
      Thread.sleep(20);
    }
  }

  private void acceptLoop() {
    while (true) {
      UnixSocket ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        synchronized (lock) {
          if (stopping) {
            return;
          }
        }
        LOG.warn("accepting on {} failed: {}", paths.socket(), e.toString());
        continue;
      }
      synchronized (lock) {
        if (stopping) {
          closeQuietly(ch); // the client starts a fresh daemon, which waits for this one to exit
          continue;
        }
        inFlight++;
      }
      Thread t = new Thread(() -> serve(ch), "lamina-daemon-request");
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(UnixSocket ch) {
    try (ch) {
      UnixSocket.Credentials peer = ch.peer();
      InputStream in = ch.input();
      OutputStream out = ch.output();
      // read (bounded) before answering, even a refused peer: closing with its request unread would reset the
      // connection, and the client would take that for a daemon that went away
      List<String> rq = Frames.read(in);
      if (peer.uid() != uid) {
        refused.incrementAndGet();
        LOG.warn("refused a request from uid {} (pid {}): this daemon serves {} only", peer.uid(), peer.pid(), user);
        Frames.write(out, new Reply(REFUSED, "lamina: the daemon on " + paths.socket() + " serves user " + user
            + " only; you are uid " + peer.uid() + " (each user has a daemon of their own)\n").frame());
        return;
      }
      Reply r = handle(rq, ch, peer);
      HeldMounts.Holder holder = null;
      if (rq.get(0).equals(HeldMounts.MOUNT) && r.code() == 0) {
        // lamina run's root: registered before the answer, so that a later run finds it held
        holder = held.register(Path.of(rq.get(1)).resolve(rq.get(rq.size() - 1)).normalize().toString(), peer.pid());
      }
      Frames.write(out, r.frame());
      if (holder != null) {
        held.hold(holder, in, out); // until the client releases the mount or goes away
      }
      if (rq.get(0).equals("stop") && r.code() == 0) {
        exit(); // after the answer: the client returns once every mount is gone
      }
    } catch (java.io.EOFException e) {
      LOG.debug("a peer closed without a request (a client checking that the daemon answers)");
    } catch (IOException | RuntimeException e) {
      LOG.warn("a daemon request failed: {}", e.toString());
    } finally {
      touch();
      synchronized (lock) {
        inFlight--;
      }
    }
  }

  private Reply handle(List<String> rq, UnixSocket ch, UnixSocket.Credentials peer) throws IOException {
    if (rq.size() < 4) {
      return new Reply(2, "lamina: malformed daemon request\n");
    }
    String op = rq.get(0);
    List<String> args = rq.subList(4, rq.size());
    switch (op) {
      case "mount", HeldMounts.MOUNT -> {
        if (!rq.get(2).equals(Namespaces.mount()) || !rq.get(3).equals(Namespaces.user())) {
          return new Reply(OTHER_NAMESPACE, "");
        }
        String lacking = PeerCheck.lackingCapabilities(peer.pid());
        if (lacking != null) {
          LOG.info("pid {} mounts in a process of its own: {}", peer.pid(), lacking);
          return new Reply(MOUNT_PRIVATELY, "");
        }
        mountRequests.incrementAndGet();
        long t0 = System.nanoTime();
        Reply r = handler.mount(List.copyOf(args), Path.of(rq.get(1)), mounts);
        LOG.info("mount request {} answered {} in {} ms", args, r.code(), (System.nanoTime() - t0) / 1_000_000);
        if (r.code() != 0) {
          failedMounts.incrementAndGet();
        }
        return r;
      }
      case "mount-fd" -> {
        return mountPassed(rq, ch, peer);
      }
      case HeldMounts.RELEASE_ORPHAN -> {
        return args.size() == 1 ? held.releaseOrphan(args.get(0)) : new Reply(2, "lamina: malformed daemon request\n");
      }
      case "status" -> {
        return new Reply(0, DaemonStatus.text(this));
      }
      case "stop" -> {
        return new Reply(0, stop());
      }
      case "ping" -> {
        return new Reply(0, "");
      }
      default -> {
        return new Reply(2, "lamina: the daemon knows no request '" + op + "' (is it an older lamina?)\n");
      }
    }
  }

  /**
   * A mount the client made in its own mount (and perhaps user) namespace: {@code [mount-fd, cwd, mnt ns, user
   * ns, mount point, lower count, has upper, args...]}, then the descriptors ({@code /dev/fuse}, the lower dirs top
   * first, the upper and work dirs) in messages of their own. Served only when the peer is no stronger than this
   * daemon would make it (see {@link PeerCheck}).
   */
  private Reply mountPassed(List<String> rq, UnixSocket ch, UnixSocket.Credentials peer) throws IOException {
    if (rq.size() < 8) {
      return new Reply(2, "lamina: malformed daemon request\n");
    }
    int lowers;
    try {
      lowers = Integer.parseInt(rq.get(5));
    } catch (NumberFormatException e) {
      return new Reply(2, "lamina: malformed daemon request\n");
    }
    boolean upper = rq.get(6).equals("1");
    int want = 1 + lowers + (upper ? 2 : 0);
    if (lowers < 1 || want > Frames.MAX_STRINGS) {
      return new Reply(2, "lamina: malformed daemon request (" + lowers + " lower dirs)\n");
    }
    // the descriptors follow, each message one byte and up to 253 of them
    byte[] one = new byte[1];
    for (int m = 0; ch.receivedFds() < want && m <= want / UnixSocket.MAX_FDS_PER_MESSAGE + 1; m++) {
      if (ch.receive(one, 0, 1) <= 0) {
        throw new java.io.EOFException("the client closed before its descriptors arrived");
      }
    }
    if (ch.receivedFds() != want) {
      return new Reply(2, "lamina: the daemon received " + ch.receivedFds() + " descriptors, not " + want + "\n");
    }
    PassedMount.Peer who;
    try {
      who = PeerCheck.forPassedMount(peer.pid(), uid);
    } catch (PeerCheck.Refusal e) {
      refused.incrementAndGet();
      LOG.warn("refused a mount passed by pid {}: {}", peer.pid(), e.getMessage());
      return new Reply(e.code(), "lamina: " + e.getMessage() + "\n");
    }
    PassedMount passed = PassedMount.of(ch.takeFds(want), lowers, upper, Path.of(rq.get(4)), rq.get(2), who);
    mountRequests.incrementAndGet();
    long t0 = System.nanoTime();
    List<String> args = rq.subList(7, rq.size());
    Reply r = handler.mountPassed(List.copyOf(args), Path.of(rq.get(1)), mounts, passed);
    LOG.info("passed mount of {} ({}, pid {}) answered {} in {} ms", rq.get(4), rq.get(2), peer.pid(), r.code(),
        (System.nanoTime() - t0) / 1_000_000);
    if (r.code() != 0) {
      failedMounts.incrementAndGet();
    }
    return r;
  }

  /**
   * Stops taking requests and unmounts every mount; returns what it did, for the client. A mount passed from
   * another mount namespace cannot be unmounted from here: it leaves the table all the same (its union closed, its
   * layers released), answers ENOTCONN once this process has exited (it held the only /dev/fuse descriptor), and
   * the reply names it, with what the user must do.
   */
  private String stop() {
    synchronized (lock) {
      stopping = true;
    }
    List<ServedMounts.Served> all = mounts.list();
    List<String> elsewhere = new java.util.ArrayList<>();
    for (ServedMounts.Served s : all) {
      if (!s.mount().key().equals(s.mount().mountPoint().toString())) {
        elsewhere.add(s.mount().key());
      }
      try {
        s.mount().close(); // its layers are released as it leaves the table
      } catch (Exception e) {
        LOG.warn("unmounting {} failed: {}", s.mount().mountPoint(), e.toString());
      }
    }
    StringBuilder b = new StringBuilder("lamina: stopped the daemon (pid " + ProcessHandle.current().pid()
        + "); unmounted " + (all.size() - elsewhere.size()) + " mount(s)\n");
    if (!elsewhere.isEmpty()) {
      LOG.warn("stopping with {} mount(s) of other mount namespaces, which answer ENOTCONN from now on: {}",
          elsewhere.size(), elsewhere);
      b.append("lamina: ").append(elsewhere.size()).append(" mount(s) made in other mount namespaces could not be"
          + " unmounted from here and answer \"Transport endpoint is not connected\" from now on; unmount each in"
          + " its namespace (umount PATH there, or nsenter -t PID -m umount PATH with PID a process of that"
          + " namespace):\n");
      for (String k : elsewhere) {
        b.append("  ").append(k).append('\n');
      }
    }
    return b.toString();
  }

  private void watchIdle() {
    while (true) {
      try {
        Thread.sleep(Math.max(50, Math.min(1000, idle.toMillis() / 4)));
      } catch (InterruptedException e) {
        return;
      }
      synchronized (lock) {
        if (mounts.size() == 0 && inFlight == 0 && System.nanoTime() - lastActivity > idle.toNanos()) {
          LOG.info("no mounts for {}: exiting", idle);
          stopping = true;
          exit();
          return;
        }
      }
    }
  }

  private void exit() {
    try {
      Files.deleteIfExists(paths.socket());
      server.shutdown();
    } catch (IOException e) {
      LOG.debug("closing the socket: {}", e.toString());
    }
    // the private copy of the jar goes with its daemon (which holds the build's lock until it is gone: a client
    // that starts the next daemon of this build makes the copy anew under that lock, DaemonClient.startDaemon)
    try {
      if (paths.jar().equals(BuildId.jar(System.getProperty("java.class.path")))) {
        Files.deleteIfExists(paths.jar());
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("removing the jar copy {} failed: {}", paths.jar(), e.toString());
    }
    System.err.flush();
    Runtime.getRuntime().halt(0);
  }

  private void touch() {
    synchronized (lock) {
      lastActivity = System.nanoTime();
    }
  }

  /**
   * Writes the mount points this daemon serves in its namespace to {@code mounts} in its directory (replaced
   * atomically), so that after a kill the next daemon there knows which dead mounts were this one's.
   */
  private void recordMounts() {
    try {
      StringBuilder b = new StringBuilder();
      for (ServedMounts.Served s : mounts.list()) {
        if (s.mount().key().equals(s.mount().mountPoint().toString())) { // not a passed mount of another namespace
          b.append(s.mount().mountPoint()).append('\0');
        }
      }
      Path tmp = paths.home().resolve("mounts.tmp");
      Files.writeString(tmp, b);
      Files.move(tmp, paths.record(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      LOG.warn("recording the mounts in {} failed: {}", paths.dir(), e.toString());
    }
  }

  /** The mount points the previous daemon of this directory recorded (empty when none). */
  private java.util.Set<String> recordedMounts() {
    return recordedMounts(paths);
  }

  private static java.util.Set<String> recordedMounts(DaemonPaths paths) {
    try {
      Path f = paths.record();
      if (!Files.exists(f)) {
        return java.util.Set.of();
      }
      java.util.Set<String> s = new java.util.HashSet<>(List.of(Files.readString(f).split("\0")));
      s.remove("");
      return s;
    } catch (IOException e) {
      LOG.warn("reading the previous daemon's mounts in {} failed: {}", paths.home(), e.toString());
      return java.util.Set.of();
    }
  }

  /**
   * For each other build's daemon of this directory that no longer runs (its lock is free): unmounts the dead
   * mounts it recorded (it was killed) and removes its jar copy (it was killed before its exit could), unless the
   * copy is younger than a daemon's start (a client may be starting that build's daemon from it right now).
   */
  private void cleanOtherBuilds() {
    for (DaemonPaths other : paths.all()) {
      if (other.equals(paths)) {
        continue;
      }
      try (FileChannel ch = FileChannel.open(other.lock(), StandardOpenOption.WRITE)) {
        FileLock l = ch.tryLock();
        if (l == null) {
          continue; // it runs (or starts): its mounts and its copy are its own
        }
        cleanDeadMounts(recordedMounts(other));
        if (Files.exists(other.jar())) {
          java.nio.file.attribute.FileTime changed = (java.nio.file.attribute.FileTime) Files.getAttribute(other.jar(), "unix:ctime");
          if (Duration.between(changed.toInstant(), Instant.now()).compareTo(Duration.ofMinutes(2)) > 0) {
            Files.delete(other.jar());
            LOG.info("removed {}: its daemon is gone", other.jar());
          }
        }
        if (!Files.exists(other.jar()) && Files.deleteIfExists(other.jsa())) {
          LOG.info("removed {}: no daemon of that build runs here", other.jsa());
        }
      } catch (java.nio.file.NoSuchFileException e) {
        // no lock file: no daemon of that build ever ran here
      } catch (IOException | RuntimeException e) {
        LOG.warn("cleaning up after the daemon of {} failed: {}", other.home(), e.toString());
      }
    }
  }

  /**
   * Unmounts the mounts that the previous daemon of this directory served ({@code left}) and that are dead now
   * (they answer ENOTCONN), as a daemon killed with SIGKILL leaves them. Mounts that answer, and dead mounts of
   * other daemons (another user's, another test run's), are left alone.
   */
  static void cleanDeadMounts(java.util.Set<String> left) {
    if (left.isEmpty()) {
      return;
    }
    try {
      for (MountTable.Entry e : MountTable.all()) {
        if (e.fstype().startsWith("fuse." + dev.lamina.fuse.MountOptions.DEFAULT_NAME)
            && left.contains(e.mountPoint().toString()) && MountTable.isDead(e.mountPoint())) {
          boolean gone = Unmount.unmount(e.mountPoint(), Duration.ofSeconds(10));
          LOG.info("cleared the dead mount {} (its daemon was gone): {}", e.mountPoint(), gone ? "unmounted" : "failed");
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("looking for dead mounts failed: {}", e.toString());
    }
  }

  private static void daemonThread(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(UnixSocket ch) {
    ch.close();
  }

  HeldMounts held() {
    return held;
  }

  ServedMounts mounts() {
    return mounts;
  }

  Instant started() {
    return started;
  }

  long mountRequests() {
    return mountRequests.get();
  }

  long failedMounts() {
    return failedMounts.get();
  }

  long refused() {
    return refused.get();
  }

  DaemonPaths paths() {
    return paths;
  }

  static long requests(FuseMount m) {
    return m.requestsServed();
  }
}
