package dev.lamina.daemon;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where a user's daemon lives: root's in {@code /run/lamina}, another user's in {@code $XDG_RUNTIME_DIR/lamina}
 * (or {@code /tmp/lamina-UID} without one); {@code LAMINA_DAEMON_DIR} overrides both (tests). The directory is the
 * user's own, mode 0700: it holds the socket ({@code daemon.sock}, 0600), the lock that makes one daemon per
 * directory ({@code daemon.lock}), and its log ({@code daemon.log}). In {@code LAMINA_DAEMON_DIR}, {@code %u} stands for
 * the user's uid.
 */
public record DaemonPaths(Path dir) {
  public Path socket() {
    return dir.resolve("daemon.sock");
  }

  public Path lock() {
    return dir.resolve("daemon.lock");
  }

  public Path log() {
    return dir.resolve("daemon.log");
  }

  /**
   * The calling user's daemon directory (not created). In a user namespace of its own it is the directory of
   * the user the namespace maps us to (read from /proc/self/uid_map), so that a client there finds the user's
   * daemon.
   */
  public static DaemonPaths forCurrentUser() {
    String override = System.getenv("LAMINA_DAEMON_DIR");
    long uid = hostUid();
    if (override != null && !override.isEmpty()) {
      // %u: the user's uid, so that one setting serves every user (test runs set it for all their users)
      return new DaemonPaths(Path.of(override.replace("%u", Long.toString(uid))).toAbsolutePath());
    }
    if (uid == 0) {
      return new DaemonPaths(Path.of("/run/lamina"));
    }
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute() && Files.isDirectory(Path.of(xdg))) {
      return new DaemonPaths(Path.of(xdg, "lamina"));
    }
    return new DaemonPaths(Path.of("/tmp", "lamina-" + uid));
  }

  /**
   * The directory of a daemon that lives in this process's user namespace (a subdirectory of the user's named
   * after the namespace): where a client whose namespace the user's daemon cannot serve starts one of its own.
   */
  public DaemonPaths forUserNamespace() {
    String ns = Namespaces.user().replaceAll("[^0-9]", "");
    return new DaemonPaths(dir.resolve("userns-" + ns));
  }

  /** Our uid as the parent user namespace sees it (our own uid outside any user namespace of our own). */
  static long hostUid() {
    int uid = uid();
    try {
      for (long[] l : PeerCheck.idMap(Path.of("/proc/self/uid_map"))) {
        if (uid >= l[0] && uid < l[0] + l[2]) {
          return l[1] + (uid - l[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: our own
    }
    return uid;
  }

  /** Our effective uid (/proc/self belongs to it). */
  public static int uid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot tell this process's uid from /proc/self: " + e.getMessage(), e);
    }
  }

  /**
   * Creates the directory 0700 if missing; refuses one that another user owns or that others can reach (a socket
   * there could be someone else's daemon, which would then see our mounts' layers).
   */
  public void ensureDir() throws IOException {
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    checkDir();
  }

  /** Throws unless the directory is ours, a real directory, and closed to group and others. */
  public void checkDir() throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + " is not a directory: the lamina daemon keeps its socket there; remove it");
    }
    int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != uid()) {
      throw new IOException("the lamina daemon directory " + dir + " belongs to uid " + owner + ", not to you (uid "
          + uid() + "): refusing to use it; remove it or set LAMINA_DAEMON_DIR");
    }
    Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    if (p.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"))) {
      throw new IOException("the lamina daemon directory " + dir + " is open to others ("
          + PosixFilePermissions.toString(p) + "): refusing to use it; chmod 700 " + dir);
    }
  }
}
