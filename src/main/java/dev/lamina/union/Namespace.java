package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.Caller;
import dev.lamina.union.UnionFs.OpenFile;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Namespace changes in the upper layer: create, mknod, mkdir, symlink, link, unlink, rmdir, rename. A
 * whiteout is written only where a lower layer still holds the name; a directory created where a lower entry
 * was whited out is opaque; new entries over a device whiteout are built in the work dir and renamed (or
 * exchanged) over it. Directory renames are allowed only for directories that exist purely in the upper
 * layer (EXDEV otherwise, as kernel overlayfs without redirect_dir; {@code mv} then copies).
 */
final class Namespace {
  private final HostFs fs;
  private final LayerStack stack;
  private final Resolver resolver;
  private final DirMerger merger;
  private final CopyUp copyUp;
  private final Whiteouts whiteouts;
  private final InodeMap inodes;
  private final AttrFactory attrs;
  private final PathLocks locks;
  private final OverlayConfig config;
  private final Set<Long> unlinkedLower;
  private final boolean root;

  Namespace(HostFs fs, LayerStack stack, Resolver resolver, DirMerger merger, CopyUp copyUp, Whiteouts whiteouts,
      InodeMap inodes, AttrFactory attrs, PathLocks locks, OverlayConfig config, Set<Long> unlinkedLower) {
    this.fs = fs;
    this.stack = stack;
    this.resolver = resolver;
    this.merger = merger;
    this.copyUp = copyUp;
    this.whiteouts = whiteouts;
    this.inodes = inodes;
    this.attrs = attrs;
    this.locks = locks;
    this.config = config;
    this.unlinkedLower = unlinkedLower;
    this.root = fs.geteuid() == 0;
  }

  /** Makes one new entry (in dirFd under name) with a temporary mode; {@link #place} sets owner and mode. */
  @FunctionalInterface
  private interface Maker {
    void make(int dirFd, String name) throws ErrnoException;
  }

  private int upperDir(String rel) throws ErrnoException {
    return fs.openBeneath(stack.upper().fd(), rel, O_PATH | O_DIRECTORY, 0);
  }

  /**
   * Creates rel in the upper layer with maker, then sets owner and mode. type is the S_IFMT the merged entry
   * shows (a rootless device node is made as a plain file and recorded in override_stat).
   */
  private void place(String rel, int type, int mode, long rdev, Caller caller, Maker maker) throws ErrnoException {
    RelPaths.checkCreatable(rel);
    String parentRel = Resolver.parentOf(rel);
    String name = Resolver.nameOf(rel);
    Entry parent = resolver.dir(parentRel);
    if (resolver.lookupChild(parent, name) != null) {
      throw new ErrnoException(Errno.EEXIST, "create", "/" + rel);
    }
    Attr pa = attrs.attr(parent);
    int uid = config.uidMap().toBacking(caller.uid(), "/" + rel);
    int gid = config.gidMap().toBacking(caller.gid(), "/" + rel);
    if ((pa.mode() & S_ISGID) != 0) {
      gid = config.gidMap().toBacking(pa.gid(), "/" + rel); // BSD group semantics of setgid directories
      if (type == S_IFDIR) {
        mode |= S_ISGID;
      }
    }
    copyUp.ensureUpperDir(parentRel);
    ReentrantLock lock = locks.lock(rel);
    try {
      if (resolver.lookupChild(resolver.dir(parentRel), name) != null) {
        throw new ErrnoException(Errno.EEXIST, "create", "/" + rel);
      }
      int pfd = upperDir(parentRel);
      try {
        Stat cur = fs.lstatOrNull(pfd, name);
        boolean deviceWhiteout = cur != null && cur.isWhiteoutDevice();
        if (cur != null && !deviceWhiteout) {
          throw new ErrnoException(Errno.EEXIST, "create", "/" + rel);
        }
        boolean fileWhiteout = fs.lstatOrNull(pfd, Markers.WH_PREFIX + name) != null;
        if (!deviceWhiteout) {
          maker.make(pfd, name);
          finishNew(pfd, name, type, mode, rdev, uid, gid);
          if (type == S_IFDIR && fileWhiteout) {
            whiteouts.makeOpaque(pfd, name);
          }
        } else {
          int work = stack.workFd();
          String tmp = stack.tempName("new");
          maker.make(work, tmp);
          try {
            finishNew(work, tmp, type, mode, rdev, uid, gid);
            if (type == S_IFDIR) {
              whiteouts.makeOpaque(work, tmp);
              fs.renameat2(work, tmp, pfd, name, RENAME_EXCHANGE);
            } else {
              fs.renameat2(work, tmp, pfd, name, 0);
            }
          } finally {
            stack.removeTree(work, tmp); // the exchanged whiteout, or the new entry after a failure
          }
        }
        if (fileWhiteout) {
          fs.unlinkat(pfd, Markers.WH_PREFIX + name, 0);
        }
      } finally {
        fs.closeQuietly(pfd);
      }
      if (type == S_IFDIR) {
        resolver.invalidate(rel);
      }
    } finally {
      lock.unlock();
    }
  }

  private void finishNew(int dirFd, String name, int type, int mode, long rdev, int uid, int gid) throws ErrnoException {
    boolean link = type == S_IFLNK;
    if (root) {
      fs.fchownat(dirFd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
    }
    int perm = mode & 07777;
    int realMode = root || link ? perm : perm | (type == S_IFDIR ? 0700 : 0600);
    if (!link) {
      fs.fchmodat(dirFd, name, realMode, 0);
    }
    Stat st = fs.lstat(dirFd, name);
    boolean deviceAsFile = (type == S_IFCHR || type == S_IFBLK) && st.isRegular();
    if (!root && config.overrideStat() && !link
        && (uid != st.uid() || gid != st.gid() || realMode != perm || deviceAsFile)) {
      fs.lsetxattr(dirFd, name, Markers.OVERRIDE_STAT, new OverrideStat(uid, gid, perm, type, rdev).format(), 0);
    }
  }

  OpenFile create(String rel, int mode, int flags, Caller caller, OverlayFs overlay) throws IOException {
    Entry parent = resolver.dir(Resolver.parentOf(rel));
    Entry existing = resolver.lookupChild(parent, Resolver.nameOf(rel));
    if (existing != null) {
      if ((flags & O_EXCL) != 0) {
        throw new ErrnoException(Errno.EEXIST, "create", "/" + rel);
      }
      return overlay.open("/" + rel, flags);
    }
    place(rel, S_IFREG, mode, 0, caller,
        (d, n) -> fs.close(fs.openat(d, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600)));
    return overlay.openUpper(rel, flags);
  }

  void mknod(String rel, int mode, long rdev, Caller caller) throws ErrnoException {
    int type = mode & S_IFMT;
    if (type == 0) {
      type = S_IFREG;
    }
    if (type == S_IFCHR && rdev == 0) {
      throw new ErrnoException(Errno.EPERM, "mknod (a 0/0 device is an overlay whiteout)", "/" + rel);
    }
    if (type == S_IFDIR || type == S_IFLNK) {
      throw new ErrnoException(Errno.EINVAL, "mknod", "/" + rel);
    }
    boolean fake = !root && config.overrideStat() && (type == S_IFCHR || type == S_IFBLK);
    int t = type;
    place(rel, type, mode, rdev, caller, (d, n) -> {
      if (fake) {
        fs.close(fs.openat(d, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600));
      } else {
        fs.mknodat(d, n, t | 0600, rdev);
      }
    });
  }

  void mkdir(String rel, int mode, Caller caller) throws ErrnoException {
    place(rel, S_IFDIR, mode & 07777, 0, caller, (d, n) -> fs.mkdirat(d, n, 0700));
  }

  void symlink(String target, String rel, Caller caller) throws ErrnoException {
    place(rel, S_IFLNK, 0777, 0, caller, (d, n) -> fs.symlinkat(target, d, n));
  }

  void link(String existing, String rel) throws ErrnoException {
    Entry src = resolver.require(existing);
    if (src.isDir()) {
      throw new ErrnoException(Errno.EPERM, "link (directory)", "/" + existing);
    }
    RelPaths.checkCreatable(rel);
    String parentRel = Resolver.parentOf(rel);
    String name = Resolver.nameOf(rel);
    if (resolver.lookupChild(resolver.dir(parentRel), name) != null) {
      throw new ErrnoException(Errno.EEXIST, "link", "/" + rel);
    }
    copyUp.copyUp(existing, true);
    copyUp.ensureUpperDir(parentRel);
    ReentrantLock[] held = locks.lockTwo(existing, rel);
    try {
      if (resolver.lookupChild(resolver.dir(parentRel), name) != null) {
        throw new ErrnoException(Errno.EEXIST, "link", "/" + rel);
      }
      int sfd = upperDir(Resolver.parentOf(existing));
      int pfd = upperDir(parentRel);
      try {
        String srcName = Resolver.nameOf(existing);
        Stat cur = fs.lstatOrNull(pfd, name);
        if (cur != null && cur.isWhiteoutDevice()) {
          String tmp = stack.tempName("link");
          fs.linkat(sfd, srcName, stack.workFd(), tmp, 0);
          try {
            fs.renameat2(stack.workFd(), tmp, pfd, name, 0);
          } catch (ErrnoException e) {
            fs.unlinkat(stack.workFd(), tmp, 0);
            throw e;
          }
        } else {
          fs.linkat(sfd, srcName, pfd, name, 0);
        }
        if (fs.lstatOrNull(pfd, Markers.WH_PREFIX + name) != null) {
          fs.unlinkat(pfd, Markers.WH_PREFIX + name, 0);
        }
      } finally {
        fs.closeQuietly(sfd);
        fs.closeQuietly(pfd);
      }
    } finally {
      PathLocks.unlock(held);
    }
  }

  void unlink(String rel) throws ErrnoException {
    Entry e = resolver.require(rel);
    if (e.isDir()) {
      throw new ErrnoException(Errno.EISDIR, "unlink", "/" + rel);
    }
    String parentRel = Resolver.parentOf(rel);
    copyUp.ensureUpperDir(parentRel);
    ReentrantLock lock = locks.lock(rel);
    try {
      e = resolver.require(rel);
      int pfd = upperDir(parentRel);
      try {
        if (e.inUpper() && !e.needsWhiteout()) {
          fs.unlinkat(pfd, Resolver.nameOf(rel), 0);
        } else {
          whiteouts.whiteout(pfd, Resolver.nameOf(rel));
        }
      } finally {
        fs.closeQuietly(pfd);
      }
      forgetIfLastLink(e);
    } finally {
      lock.unlock();
    }
  }

  private void forgetIfLastLink(Entry e) throws ErrnoException {
    if (e.stat().nlink() > 1 || e.isDir()) {
      return;
    }
    if (e.inUpper()) {
      inodes.forget(e.stat());
    } else {
      unlinkedLower.add(attrs.ino(e));
    }
  }

  void rmdir(String rel) throws ErrnoException {
    if (rel.isEmpty()) {
      throw new ErrnoException(Errno.EBUSY, "rmdir", "/");
    }
    Entry e = resolver.require(rel);
    if (!e.isDir()) {
      throw new ErrnoException(Errno.ENOTDIR, "rmdir", "/" + rel);
    }
    if (!merger.isEmpty(e)) {
      throw new ErrnoException(Errno.ENOTEMPTY, "rmdir", "/" + rel); // before any copy-up of the parent
    }
    String parentRel = Resolver.parentOf(rel);
    copyUp.ensureUpperDir(parentRel);
    ReentrantLock lock = locks.lock(rel);
    try {
      e = resolver.require(rel);
      if (!e.isDir()) {
        throw new ErrnoException(Errno.ENOTDIR, "rmdir", "/" + rel);
      }
      if (!merger.isEmpty(e)) {
        throw new ErrnoException(Errno.ENOTEMPTY, "rmdir", "/" + rel);
      }
      int pfd = upperDir(parentRel);
      try {
        String name = Resolver.nameOf(rel);
        if (e.inUpper() && !e.needsWhiteout()) {
          removeUpperDir(pfd, name);
        } else {
          whiteouts.whiteout(pfd, name);
        }
      } finally {
        fs.closeQuietly(pfd);
      }
      resolver.invalidate(rel);
    } finally {
      lock.unlock();
    }
  }

  /** Removes an upper dir that holds nothing visible (whiteouts and opaque markers only). */
  private void removeUpperDir(int pfd, String name) throws ErrnoException {
    try {
      fs.unlinkat(pfd, name, AT_REMOVEDIR);
    } catch (ErrnoException ex) {
      if (ex.errno() != Errno.ENOTEMPTY && ex.errno() != Errno.EEXIST) {
        throw ex;
      }
      String tmp = stack.tempName("rmdir");
      fs.renameat2(pfd, name, stack.workFd(), tmp, 0); // gone from view at once, cleaned up below
      stack.removeTree(stack.workFd(), tmp);
    }
  }

  void rename(String a, String b, int flags) throws ErrnoException {
    new Renamer(this).rename(a, b, flags);
  }

  // accessors for Renamer (same package, split for size)
  HostFs fs() { return fs; }
  LayerStack stack() { return stack; }
  Resolver resolver() { return resolver; }
  DirMerger merger() { return merger; }
  CopyUp copyUp() { return copyUp; }
  Whiteouts whiteouts() { return whiteouts; }
  PathLocks locks() { return locks; }
  boolean root() { return root; }

  int upperDirFd(String rel) throws ErrnoException {
    return upperDir(rel);
  }

  void forgetReplaced(Entry dst) throws ErrnoException {
    forgetIfLastLink(dst);
  }
}
