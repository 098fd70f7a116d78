package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.util.List;

/**
 * Reading and writing whiteouts and opaque markers in the upper dir. Readers accept both forms (0/0 char
 * device or {@code .wh.NAME}; {@code trusted.overlay.opaque=y}, {@code user.overlay.opaque=y} or
 * {@code .wh..wh..opq}); the writer uses the configured {@link WhiteoutFormat}.
 */
final class Whiteouts {
  private final HostFs fs;
  private final LayerStack stack;
  private final WhiteoutFormat format;
  private final UpperNames names;
  /** Set once the host refused a device whiteout / a trusted.* xattr; the rootless forms are used from then on. */
  private volatile boolean deviceRefused;
  /** The work-dir device node that whiteouts are hard links of (created on first use), and whether linking failed. */
  private volatile String sharedWhiteout;
  private volatile boolean sharingRefused;
  private volatile boolean trustedRefused;
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Whiteouts.class);

  Whiteouts(HostFs fs, LayerStack stack, WhiteoutFormat format, UpperNames names) {
    this.fs = fs;
    this.stack = stack;
    this.format = format;
    this.names = names;
  }

  /** The format in use: the configured one, or FILE once the host refused device whiteouts. */
  WhiteoutFormat format() {
    return deviceRefused ? WhiteoutFormat.FILE : format;
  }

  /** Whether an open directory fd (O_RDONLY) carries an opaque xattr. Missing xattr support means no. */
  static boolean hasOpaqueXattr(HostFs fs, int dirFd) throws ErrnoException {
    // one listing instead of two reads: most lower dirs carry no xattr at all (a cold 128-layer stack loads
    // thousands of them)
    return hasOpaqueXattr(fs, dirFd, listXattrsQuietly(fs, dirFd));
  }

  /** The xattr names of an open fd; none when the filesystem has no xattrs. */
  static List<String> listXattrsQuietly(HostFs fs, int fd) throws ErrnoException {
    try {
      return fs.flistxattr(fd);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOTSUP) {
        return List.of();
      }
      throw e;
    }
  }

  /** {@link #hasOpaqueXattr(HostFs, int)} given the fd's xattr names. */
  static boolean hasOpaqueXattr(HostFs fs, int dirFd, List<String> names) throws ErrnoException {
    return (names.contains(Markers.TRUSTED_OPAQUE)
            && Markers.isOpaqueValue(getQuietly(fs, dirFd, -1, null, Markers.TRUSTED_OPAQUE)))
        || (names.contains(Markers.USER_OPAQUE)
            && Markers.isOpaqueValue(getQuietly(fs, dirFd, -1, null, Markers.USER_OPAQUE)));
  }

  /**
   * Whether the directory {@code name} below parentFd is opaque in any of the three forms; mayHoldMarker false
   * when the directory is known not to hold the {@code .wh..wh..opq} file (no statx for it then).
   */
  boolean isOpaque(int parentFd, String name, boolean mayHoldMarker) throws ErrnoException {
    if (Markers.isOpaqueValue(getQuietly(fs, -1, parentFd, name, Markers.TRUSTED_OPAQUE))
        || Markers.isOpaqueValue(getQuietly(fs, -1, parentFd, name, Markers.USER_OPAQUE))) {
      return true;
    }
    return mayHoldMarker
        && fs.lstatOrNull(parentFd, name.isEmpty() ? Markers.OPAQUE_FILE : name + "/" + Markers.OPAQUE_FILE) != null;
  }

  private static byte[] getQuietly(HostFs fs, int fd, int dirFd, String name, String attr) throws ErrnoException {
    try {
      return fd >= 0 ? fs.fgetxattr(fd, attr) : fs.lgetxattr(dirFd, name, attr);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOTSUP || e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
        return null; // no xattrs on this fs, or trusted.* without CAP_SYS_ADMIN
      }
      throw e;
    }
  }

  /** Whether {@code name} in the upper dir parentFd is whited out (either form). */
  boolean isWhitedOut(int parentFd, String name) throws ErrnoException {
    Stat st = fs.lstatOrNull(parentFd, name);
    if (st != null) {
      return st.isWhiteoutDevice();
    }
    return fs.lstatOrNull(parentFd, Markers.WH_PREFIX + name) != null;
  }

  /** Removes a whiteout for name in parentFd if there is one (both forms); returns whether one was there. */
  boolean removeWhiteout(int parentFd, String name) throws ErrnoException {
    boolean had = false;
    Stat st = fs.lstatOrNull(parentFd, name);
    if (st != null && st.isWhiteoutDevice()) {
      fs.unlinkat(parentFd, name, 0);
      had = true;
    }
    if (fs.lstatOrNull(parentFd, Markers.WH_PREFIX + name) != null) {
      fs.unlinkat(parentFd, Markers.WH_PREFIX + name, 0);
      had = true;
    }
    return had;
  }

  /**
   * Puts a whiteout at name in the upper dir parentFd, replacing whatever upper entry is there (a directory
   * is removed with its contents). The device form is built in the work dir and renamed over the old
   * entry, so the name is never empty in between.
   */
  void whiteout(int parentFd, String parentRel, String name) throws ErrnoException {
    whiteout(parentFd, parentRel, name, fs.lstatOrNull(parentFd, name));
  }

  /**
   * {@link #whiteout(int, String, String)} when the caller knows what the upper dir parentRel holds at name
   * (it looked under the path's lock): {@code existing} is that entry's stat, or null for nothing.
   */
  void whiteout(int parentFd, String parentRel, String name, Stat existing) throws ErrnoException {
    if (format == WhiteoutFormat.DEVICE && !deviceRefused) {
      if (existing == null && linkShared(parentFd, name)) {
        names.addedWhiteout(parentRel, name);
        return;
      }
      String tmp = stack.tempName("wh");
      try {
        if (!linkShared(stack.workFd(), tmp)) {
          fs.mknodat(stack.workFd(), tmp, S_IFCHR, 0);
        }
      } catch (ErrnoException e) {
        if (e.errno() != Errno.EPERM && e.errno() != Errno.ENOTSUP) {
          throw e;
        }
        // root in a user namespace, or an upper fs that refuses device nodes: write .wh. files instead,
        // as fuse-overlayfs does (readers accept both forms)
        deviceRefused = true;
        log.warn("cannot create device whiteouts in the work dir ({}); writing .wh. files instead", e.getMessage());
        whiteout(parentFd, parentRel, name, existing);
        return;
      }
      try {
        if (existing != null && existing.isDir()) {
          fs.renameat2(stack.workFd(), tmp, parentFd, name, RENAME_EXCHANGE);
        } else {
          fs.renameat2(stack.workFd(), tmp, parentFd, name, 0);
        }
        names.addedWhiteout(parentRel, name);
      } catch (ErrnoException e) {
        fs.unlinkat(stack.workFd(), tmp, 0);
        throw e;
      }
      if (existing != null && existing.isDir()) {
        stack.removeTree(stack.workFd(), tmp);
      }
      return;
    }
    String wh = Markers.WH_PREFIX + name;
    try {
      int fd = fs.openat(parentFd, wh, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
      names.added(parentRel, wh);
      fs.close(fd);
    } catch (ErrnoException e) {
      if (e.errno() != Errno.EEXIST) {
        throw e; // EEXIST: the whiteout is there already (one attempt instead of a stat first)
      }
    }
    if (existing != null) {
      if (existing.isDir()) {
        String tmp = stack.tempName("rm");
        fs.renameat2(parentFd, name, stack.workFd(), tmp, 0);
        stack.removeTree(stack.workFd(), tmp);
      } else {
        fs.unlinkat(parentFd, name, 0);
      }
    }
  }

  /**
   * Makes {@code name} in dirFd a hard link of the shared whiteout device in the work dir, as overlayfs does
   * (since Linux 5.8): deleting a tree then allocates no inode per whiteout, which on ext4 was most of an
   * {@code rm -rf} (its search for a free inode that was not recently deleted). Returns false when sharing is
   * not possible here (the caller makes its own device node); EEXIST and other errors of the new name throw.
   */
  private boolean linkShared(int dirFd, String name) throws ErrnoException {
    for (int attempt = 0; attempt < 2 && !sharingRefused; attempt++) {
      String shared = sharedWhiteout;
      if (shared == null) {
        shared = newSharedWhiteout(null);
        if (shared == null) {
          return false;
        }
      }
      try {
        fs.linkat(stack.workFd(), shared, dirFd, name, 0);
        return true;
      } catch (ErrnoException e) {
        if (e.errno() == Errno.EMLINK || e.errno() == Errno.ENOENT) {
          newSharedWhiteout(shared); // full (ext4: 65,000 links) or gone: start another
          continue;
        }
        if (e.errno() == Errno.EXDEV || e.errno() == Errno.EPERM || e.errno() == Errno.ENOTSUP) {
          sharingRefused = true;
          return false;
        }
        throw e;
      }
    }
    return false;
  }

  /** Replaces the shared whiteout (unless another thread did since {@code old} was seen); null if none can be made. */
  private synchronized String newSharedWhiteout(String old) {
    if (sharingRefused || sharedWhiteout != old) {
      return sharingRefused ? null : sharedWhiteout;
    }
    String name = stack.tempName("whiteout");
    try {
      fs.mknodat(stack.workFd(), name, S_IFCHR, 0);
    } catch (ErrnoException e) {
      sharingRefused = true; // the caller's own mknod then reports (or works around) the reason
      return null;
    }
    if (old != null) {
      try {
        fs.unlinkat(stack.workFd(), old, 0); // its links in the upper dirs keep the inode
      } catch (ErrnoException e) {
        log.debug("could not remove the old shared whiteout {}: {}", old, e.getMessage());
      }
    }
    sharedWhiteout = name;
    return name;
  }

  /**
   * Marks the directory {@code name} below parentFd opaque in the configured form. parentRel is the upper
   * directory parentFd stands for, or null for the work dir.
   */
  void makeOpaque(int parentFd, String parentRel, String name) throws ErrnoException {
    if (format == WhiteoutFormat.DEVICE && !trustedRefused) {
      try {
        fs.lsetxattr(parentFd, name, Markers.TRUSTED_OPAQUE, new byte[] {'y'}, 0);
        return;
      } catch (ErrnoException e) {
        if (e.errno() != Errno.EPERM && e.errno() != Errno.ENOTSUP) {
          throw e;
        }
        trustedRefused = true; // no CAP_SYS_ADMIN over this fs: the user.* form below
        log.warn("cannot set trusted.* xattrs ({}); marking opaque dirs with user.overlay.opaque", e.getMessage());
      }
    }
    fs.lsetxattr(parentFd, name, Markers.USER_OPAQUE, new byte[] {'y'}, 0);
    String marker = name + "/" + Markers.OPAQUE_FILE;
    if (fs.lstatOrNull(parentFd, marker) == null) {
      int fd = fs.openat(parentFd, marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
      if (parentRel != null) {
        names.added(Resolver.child(parentRel, name), Markers.OPAQUE_FILE);
      }
      fs.close(fd);
    }
  }
}
