package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.Timespec;

/**
 * chmod, chown, utimens, truncate and xattr changes: copy-up (of the metadata alone with metacopy on, see
 * {@link MetaCopy}; truncate copies the data), then the change on the upper entry. Without
 * root and with override_stat on, owner and mode changes are recorded in {@code user.containers.override_stat}
 * (as fuse-overlayfs does) instead of failing with EPERM.
 */
final class MetadataOps {
  private final HostFs fs;
  private final LayerStack stack;
  private final CopyUp copyUp;
  private final Resolver resolver;
  private final AttrFactory attrs;
  private final OverlayConfig config;
  private final UpperDirFds upperDirs;
  private final boolean root;

  MetadataOps(HostFs fs, LayerStack stack, Resolver resolver, CopyUp copyUp, AttrFactory attrs, PathLocks locks, OverlayConfig config,
      UpperDirFds upperDirs) {
    this.upperDirs = upperDirs;
    this.fs = fs;
    this.stack = stack;
    this.copyUp = copyUp;
    this.resolver = resolver;
    this.attrs = attrs;
    this.config = config;
    this.root = fs.geteuid() == 0;
  }

  private UpperDirFds.Ref upperParent(String rel) throws ErrnoException {
    return upperDirs.acquire(Resolver.parentOf(rel));
  }

  /** The entry's name in its upper parent (upperParent), "." for the root, which is its own parent there. */
  private static String nameIn(String rel) {
    return rel.isEmpty() ? "." : Resolver.nameOf(rel);
  }

  /** Whether override_stat is in play for st (as getattr decides), never for symlinks (no user.* xattrs). */
  private boolean overrideCapable(Stat st) {
    return attrs.honorsOverride(st) && !st.isSymlink();
  }

  void chmod(String rel, int mode) throws ErrnoException {
    Entry e = copyUp.copyUpMetadata(rel);
    if (e.stat().isSymlink()) {
      throw new ErrnoException(Errno.ENOTSUP, "chmod (symlink)", "/" + rel);
    }
    UpperDirFds.Ref pref = upperParent(rel);
    int pfd = pref.fd;
    String name = nameIn(rel);
    try {
      // a file that has an override keeps it current (getattr shows it), root or not
      OverrideStat cur = overrideCapable(e.stat()) ? attrs.readOverride(pfd, name) : null;
      if (cur != null) {
        fs.lsetxattr(pfd, name, Markers.OVERRIDE_STAT,
            new OverrideStat(cur.uid(), cur.gid(), mode & 07777, cur.type(), cur.rdev()).format(), 0);
        fs.fchmodat(pfd, name, (mode & 0777) | (e.isDir() ? 0700 : 0600), 0);
      } else {
        fs.fchmodat(pfd, name, mode & 07777, 0);
      }
    } finally {
      upperDirs.release(pref);
      if (e.isDir()) {
        resolver.invalidate(rel); // cached directory entries carry the mode (setgid inheritance reads it)
      }
    }
  }

  void chown(String rel, int uid, int gid) throws ErrnoException {
    int bu = config.uidMap().toBacking(uid, "/" + rel);
    int bg = config.gidMap().toBacking(gid, "/" + rel);
    Entry e = copyUp.copyUpMetadata(rel);
    UpperDirFds.Ref pref = upperParent(rel);
    int pfd = pref.fd;
    String name = nameIn(rel);
    try {
      Stat st = e.stat();
      OverrideStat cur = overrideCapable(st) ? attrs.readOverride(pfd, name) : null;
      if (cur == null && (root || !overrideCapable(st))) {
        fs.fchownat(pfd, name, bu, bg, AT_SYMLINK_NOFOLLOW);
        return;
      }
      int ou = cur != null ? cur.uid() : st.uid();
      int og = cur != null ? cur.gid() : st.gid();
      int mode = cur != null ? cur.mode() : st.mode() & 07777;
      int type = cur != null && cur.type() != 0 ? cur.type() : st.type();
      int nu = bu == -1 ? ou : bu;
      int ng = bg == -1 ? og : bg;
      if (type != S_IFDIR && (nu != ou || ng != og)) {
        // chown(2) clears set-user-ID, and set-group-ID when group-executable
        mode &= ~S_ISUID;
        if ((mode & 010) != 0) {
          mode &= ~S_ISGID;
        }
      }
      long rdev = cur != null ? cur.rdev() : st.rdev();
      fs.lsetxattr(pfd, name, Markers.OVERRIDE_STAT, new OverrideStat(nu, ng, mode, type, rdev).format(), 0);
    } finally {
      upperDirs.release(pref);
      if (e.isDir()) {
        resolver.invalidate(rel);
      }
    }
  }

  void utimens(String rel, Timespec atime, Timespec mtime) throws ErrnoException {
    copyUp.copyUpMetadata(rel);
    UpperDirFds.Ref pref = upperParent(rel);
    int pfd = pref.fd;
    try {
      fs.utimensat(pfd, nameIn(rel), atime.sec(), atime.nsec(), mtime.sec(), mtime.nsec(), AT_SYMLINK_NOFOLLOW);
    } finally {
      upperDirs.release(pref);
    }
  }

  void truncate(String rel, long size) throws ErrnoException {
    if (size < 0) {
      throw new ErrnoException(Errno.EINVAL, "truncate", "/" + rel);
    }
    Entry e = copyUp.copyUp(rel, size > 0);
    if (e.isDir()) {
      throw new ErrnoException(Errno.EISDIR, "truncate", "/" + rel);
    }
    int fd = fs.openBeneath(stack.upper().fd(), rel, O_WRONLY, 0);
    try {
      fs.ftruncate(fd, size);
    } finally {
      fs.closeQuietly(fd);
    }
  }

  void setxattr(String rel, String name, byte[] value, int flags) throws ErrnoException {
    if (Markers.isPrivateXattr(name)) {
      throw new ErrnoException(Errno.ENOTSUP, "setxattr " + name + " (reserved by the overlay)", "/" + rel);
    }
    copyUp.copyUpMetadata(rel);
    UpperDirFds.Ref pref = upperParent(rel);
    int pfd = pref.fd;
    try {
      fs.lsetxattr(pfd, nameIn(rel), name, value, flags);
    } finally {
      upperDirs.release(pref);
    }
  }

  void removexattr(String rel, String name) throws ErrnoException {
    if (Markers.isPrivateXattr(name)) {
      throw new ErrnoException(Errno.ENOTSUP, "removexattr " + name + " (reserved by the overlay)", "/" + rel);
    }
    copyUp.copyUpMetadata(rel);
    UpperDirFds.Ref pref = upperParent(rel);
    int pfd = pref.fd;
    try {
      fs.lremovexattr(pfd, nameIn(rel), name);
    } finally {
      upperDirs.release(pref);
    }
  }
}
