package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access times as kernel overlayfs keeps them ({@link Atime}). The kernel decides on the overlay's inode with the
 * overlay mount's options and writes the new time to the upper inode through a clone of the upper mount that has
 * no atime flags of its own; lower layers are read through noatime mounts, so their files never change. lamina
 * does the same with a private clone of the upper layer's mount that carries the overlay's atime options: the
 * descriptors of open upper files come from it, so every read of one (lamina's own, or the kernel's for a
 * passthrough file) updates the access time by the overlay's rule, and a listing of a directory with an upper
 * instance reads a little of it there. Everything lamina reads for itself (lower files, listings it merges,
 * copy-up sources) is opened with O_NOATIME.
 *
 * <p>Cloning a mount needs CAP_SYS_ADMIN over the mount namespace and Linux 5.12 (mount_setattr); without it the
 * upper files are read through the upper layer's own mount, whose options (usually relatime) then decide, except
 * that {@code noatime} is still kept for reads lamina serves (O_NOATIME on every open; a passthrough read by the
 * kernel uses the reader's flags instead).
 */
final class AccessTimes {
  private static final Logger LOG = LoggerFactory.getLogger(AccessTimes.class);

  private final HostFs fs;
  private final Atime atime;
  /** Where open upper files and touched directories are opened: the clone's root, else the upper layer's fd. */
  private final int upperFd;
  private final boolean cloned;

  AccessTimes(HostFs fs, LayerStack stack, Atime atime) {
    this.fs = fs;
    this.atime = atime;
    Layer up = stack.upper();
    int fd = up == null ? -1 : up.fd();
    boolean clone = false;
    if (up != null) {
      // noatime too: the kernel reads a passthrough file with the reader's open flags on the mount of the
      // descriptor lamina registered, so O_NOATIME on that descriptor would not keep its atime
      long set = (atime.mode() == Atime.Mode.STRICTATIME ? MOUNT_ATTR_STRICTATIME
              : atime.mode() == Atime.Mode.NOATIME ? MOUNT_ATTR_NOATIME : 0)
          | (atime.dirs() ? 0 : MOUNT_ATTR_NODIRATIME);
      try {
        fd = fs.cloneMount(up.fd(), set, MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME);
        clone = true;
      } catch (ErrnoException e) {
        LOG.info("access times of {} follow the mount options of its file system, not the overlay's {}:"
            + " cloning its mount failed ({})", up.path(), atime, e.getMessage());
      }
    }
    this.upperFd = fd;
    this.cloned = clone;
  }

  /** The directory fd that open upper files are opened below. */
  int upperFd() {
    return upperFd;
  }

  /** The open flags of an upper file handle: O_NOATIME added under noatime. */
  int upperFlags(int flags) {
    return atime.never() ? flags | O_NOATIME : flags;
  }

  /** The open flags for a file or directory lamina reads for itself, or a reader's lower file. */
  static int own(int flags) {
    return flags | O_NOATIME;
  }

  /** A listing of dir was taken: update its access time when it has an upper instance and the options say so. */
  void listed(Entry dir) {
    if (!dir.inUpper() || !atime.forDirs()) {
      return;
    }
    try {
      fs.touchAtime(upperFd, dir.rel(), true);
    } catch (ErrnoException e) {
      LOG.debug("updating the access time of /{} failed: {}", dir.rel(), e.getMessage());
    }
  }

  void close() {
    if (cloned) {
      fs.closeQuietly(upperFd);
    }
  }
}
