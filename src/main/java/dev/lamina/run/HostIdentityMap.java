package dev.lamina.run;

import dev.lamina.sys.Fcntl;
import dev.lamina.sys.HostFs;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * Real root's id maps: every id as itself ("0 0 4294967295" in uid_map and gid_map), written by lamina into the
 * user namespace its helper has just created, since unshare(1) maps a range only through newuidmap, which wants
 * /etc/subuid even for root. The helper's shell waits on a FIFO until the maps are written (see
 * {@link NamespaceCommand#WAIT_FOR_MAP}); lamina holds the FIFO open read-write, so neither side blocks on open.
 */
final class HostIdentityMap implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String LINE = "0 0 " + IdMapping.ALL_IDS + "\n";

  private final Path dir;
  private final Path fifo;
  private final RandomAccessFile channel;

  private HostIdentityMap(Path dir, Path fifo, RandomAccessFile channel) {
    this.dir = dir;
    this.fifo = fifo;
    this.channel = channel;
  }

  /** A FIFO in a private temp dir, opened read-write. */
  static HostIdentityMap prepare() throws RunException {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("lamina-run-", PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
      Path fifo = dir.resolve("mapped");
      HostFs.get().mknodat(Fcntl.AT_FDCWD, fifo.toString(), Fcntl.S_IFIFO | 0600, 0);
      return new HostIdentityMap(dir, fifo, new RandomAccessFile(fifo.toFile(), "rw"));
    } catch (IOException e) {
      deleteQuietly(dir);
      throw new RunException("cannot make the FIFO that starts the container in " + dir + ": " + e.getMessage(), e);
    }
  }

  Path fifo() {
    return fifo;
  }

  /** Waits until {@code p} (pid of unshare, then of its shell) is in a new user namespace, maps it, and says so. */
  void writeFor(Process p) throws RunException {
    Path proc = Path.of("/proc", Long.toString(p.pid()));
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    try {
      String own = Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString();
      while (true) {
        if (!p.isAlive()) {
          return; // it failed before unsharing; its exit code and message tell why
        }
        String ns;
        try {
          ns = Files.readSymbolicLink(proc.resolve("ns/user")).toString();
        } catch (IOException e) {
          ns = own; // not readable yet, or gone: the next round tells
        }
        if (!ns.equals(own)) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new RunException("the container's user namespace was not created within " + TIMEOUT.toSeconds()
              + " s (" + proc + "/ns/user did not change)");
        }
        Thread.sleep(1);
      }
      Files.writeString(proc.resolve("gid_map"), LINE);
      Files.writeString(proc.resolve("uid_map"), LINE);
      channel.write("mapped\n".getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new RunException("cannot write the id maps of the container's user namespace (" + proc
          + "/uid_map): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunException("interrupted while starting the container", e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to lose: the FIFO is removed next
    }
    deleteQuietly(dir);
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try {
      Files.deleteIfExists(dir.resolve("mapped"));
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a leftover empty dir in the temp dir
    }
  }
}
