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
 * Where a user's daemons live: root's in {@code /run/lamina}, another user's in {@code $XDG_RUNTIME_DIR/lamina}
 * (or {@code /tmp/lamina-UID} without one); {@code LAMINA_DAEMON_DIR} overrides both (tests). The directory is the
 * user's own, mode 0700: it holds the daemons' log ({@code daemon.log}) and a directory per lamina build
 * ({@code build-ID}, BuildId), with that build's socket ({@code daemon.sock}, 0600), the lock that makes one daemon
 * per build ({@code daemon.lock}), the record of its mounts ({@code mounts}), the private copy of the jar its
 * daemon runs from ({@code lamina.jar}) and the class-data archive of that copy ({@code lamina.jsa}). A daemon of a lamina from before build directories (build null) has its
 * socket, lock and record in the directory itself. In {@code LAMINA_DAEMON_DIR}, {@code %u} stands for the user's
 * uid.
 */
public record DaemonPaths(Path dir, String build) {
  /** The daemon of this process's build in {@code dir}. */
  public DaemonPaths(Path dir) {
    this(dir, BuildId.current());
  }

  /** The build's own directory (the user's directory itself for a daemon without a build). */
  public Path home() {
    return build == null ? dir : dir.resolve("build-" + build);
  }

  public Path socket() {
    return home().resolve("daemon.sock");
  }

  public Path lock() {
    return home().resolve("daemon.lock");
  }

  /** The mount points the build's daemon serves in its namespace (NUL-separated; scripts/umount.fuse.lamina reads it). */
  public Path record() {
    return home().resolve("mounts");
  }

  /** The private copy of the jar that the build's daemon runs from. */
  public Path jar() {
    return home().resolve("lamina.jar");
  }

  /** The class-data archive of the build's daemon, written by its first daemon as it exits (DaemonClient). */
  public Path jsa() {
    return home().resolve("lamina.jsa");
  }

  public Path log() {
    return dir.resolve("daemon.log");
  }

  /**
   * The daemons that may run in the directory: this build's first, then every other build's that has a directory
   * there, and one without a build when its socket is there (an older lamina's).
   */
  public java.util.List<DaemonPaths> all() {
    java.util.List<DaemonPaths> all = new java.util.ArrayList<>(java.util.List.of(this));
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("build-")).sorted()
          .map(n -> new DaemonPaths(dir, n.substring("build-".length())))
          .filter(p -> !p.equals(this) && Files.isDirectory(p.home(), LinkOption.NOFOLLOW_LINKS))
          .forEach(all::add);
    } catch (IOException e) {
      // no directory: only ours
    }
    DaemonPaths legacy = new DaemonPaths(dir, null);
    if (!legacy.equals(this) && Files.exists(legacy.socket(), LinkOption.NOFOLLOW_LINKS)) {
      all.add(legacy);
    }
    return all;
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
    return new DaemonPaths(dir.resolve("userns-" + ns), build);
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
   * Creates the directory and the build's 0700 if missing; refuses one that another user owns or that others can reach (a socket
   * there could be someone else's daemon, which would then see our mounts' layers).
   */
  public void ensureDir() throws IOException {
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    checkDir(dir);
    if (build != null) {
      try {
        Files.createDirectory(home(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException e) {
        // checked below
      }
      checkDir(home());
    }
  }

  /** Throws unless the directory (and the build's, when there) is ours, a real directory, and closed to others. */
  public void checkDir() throws IOException {
    checkDir(dir);
    if (build != null && Files.exists(home(), LinkOption.NOFOLLOW_LINKS)) {
      checkDir(home());
    }
  }

  private static void checkDir(Path dir) throws IOException {
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
