package dev.lamina.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Checks a mount request before anything starts, so that the user gets one clear message (what, where,
 * what to do) instead of libfuse's.
 */
public final class MountPreflight {
  private static final Path DEV_FUSE = Path.of("/dev/fuse");

  private MountPreflight() {}

  /**
   * @return the real path of the mount point
   * @throws IllegalArgumentException with the user-facing message
   */
  public static Path check(MountOptions o, Path mountPoint) throws IOException {
    for (Path d : o.lowerDirs()) {
      requireDir("lowerdir", d);
    }
    if (o.upperDir() != null) {
      requireDir("upperdir", o.upperDir());
      requireDir("workdir", o.workDir());
      if (!Files.isWritable(o.upperDir()) || !Files.isWritable(o.workDir())) {
        throw new IllegalArgumentException(
            "upperdir " + o.upperDir() + " and workdir " + o.workDir() + " must be writable by you");
      }
      Object upperDev = Files.getAttribute(o.upperDir(), "unix:dev");
      Object workDev = Files.getAttribute(o.workDir(), "unix:dev");
      if (!upperDev.equals(workDev)) {
        throw new IllegalArgumentException(
            "workdir " + o.workDir() + " must be on the same filesystem as upperdir " + o.upperDir()
                + " (copy-up renames from one into the other)");
      }
    }
    if (!Files.isDirectory(mountPoint)) {
      deadFuseMount(mountPoint);
      throw new IllegalArgumentException(
          "mount point " + mountPoint
              + (Files.exists(mountPoint, LinkOption.NOFOLLOW_LINKS)
                  ? " is not a directory" : " does not exist: create it with mkdir -p " + mountPoint));
    }
    Path mnt = mountPoint.toRealPath();
    var current = MountTable.find(mnt);
    if (current.isPresent() && current.get().fstype().equals(o.fstype())) {
      throw new IllegalArgumentException(
          mnt + " is already mounted (" + current.get().fstype() + " from " + current.get().source()
              + "); unmount it first: fusermount3 -u " + mnt);
    }
    checkDevFuse();
    return mnt;
  }

  /**
   * Throws the message for a mount point that is a FUSE mount whose server is gone (killed: every request, stat
   * too, answers ENOTCONN until it is unmounted), which would otherwise read as "does not exist".
   */
  private static void deadFuseMount(Path mountPoint) throws IOException {
    Path abs = mountPoint.toAbsolutePath().normalize();
    var entry = MountTable.find(abs);
    if (entry.isPresent() && entry.get().fstype().startsWith("fuse") && MountTable.isDead(abs)) {
      throw new IllegalArgumentException(
          "mount point " + abs + " is a FUSE mount (" + entry.get().fstype() + " from " + entry.get().source()
              + ") whose daemon is gone: it answers ENOTCONN (\"Transport endpoint is not connected\");"
              + " unmount it first: fusermount3 -u " + abs + " (or, as root, umount -l " + abs + ")");
    }
  }

  /**
   * /dev/fuse must exist and, without root, be readable and writable (libfuse then uses fusermount3). Public for
   * the shared daemon's client, which checks before it starts a daemon that could not mount either.
   */
  public static void checkDevFuse() {
    if (!Files.exists(DEV_FUSE)) {
      throw new IllegalArgumentException(
          "/dev/fuse is missing: load the module (modprobe fuse) or, in a container, pass the device"
              + " (docker run --device /dev/fuse --cap-add SYS_ADMIN)");
    }
    if (!isRoot() && !(Files.isReadable(DEV_FUSE) && Files.isWritable(DEV_FUSE))) {
      throw new IllegalArgumentException(
          "/dev/fuse is not readable and writable by you (it is usually mode 0666): ask an"
              + " administrator to run chmod 0666 /dev/fuse, or mount as root");
    }
  }

  /** Whether we run with uid 0 (as FuseMount.isRoot, without loading FuseMount and its logging: clients use this). */
  private static boolean isRoot() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static void requireDir(String what, Path d) {
    if (!Files.isDirectory(d)) {
      throw new IllegalArgumentException(
          what + " " + d + (Files.exists(d, LinkOption.NOFOLLOW_LINKS)
              ? " is not a directory" : " does not exist"));
    }
    if (!Files.isReadable(d) || !Files.isExecutable(d)) {
      throw new IllegalArgumentException(what + " " + d + " is not readable by you");
    }
  }
}
