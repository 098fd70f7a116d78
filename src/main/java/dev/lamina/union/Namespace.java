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
  private final UpperNames upperNames;
  private final UpperDirFds upperDirs;
  private final boolean root;

  Namespace(HostFs fs, LayerStack stack, Resolver resolver, DirMerger merger, CopyUp copyUp, Whiteouts whiteouts,
      InodeMap inodes, AttrFactory attrs, PathLocks locks, OverlayConfig config, Set<Long> unlinkedLower,
      UpperNames upperNames, UpperDirFds upperDirs) {
    this.upperNames = upperNames;
    this.upperDirs = upperDirs;
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

  /**
   * Makes one new entry (in dirFd under name) with the mode given (the caller's, umasked unless a default ACL
   * decides; rootless, with the owner's bits added). Returns an open fd of the entry, or -1.
   */
  @FunctionalInterface
  private interface Maker {
    int make(int dirFd, String name, int realMode) throws ErrnoException;
  }

  /** What {@link #place} made: the open fd of a created file (-1 for other makers) and then its fstat. */
  private record Placed(int fd, Stat stat) {}

  /** The upper directory rel, opened beneath the upper root (or kept open); give it back to {@link #upperDirs}. */
  private UpperDirFds.Ref upperDir(String rel) throws ErrnoException {
    return upperDirs.acquire(rel);
  }

  /**
   * Creates rel in the upper layer with maker, then sets owner and mode. type is the S_IFMT the merged entry
   * shows (a rootless device node is made as a plain file and recorded in override_stat).
   */
  private Placed place(String rel, int type, int mode, long rdev, Caller caller, Maker maker) throws ErrnoException {
    RelPaths.checkCreatable(rel);
    String parentRel = Resolver.parentOf(rel);
    String name = Resolver.nameOf(rel);
    Entry parent = resolver.dir(parentRel);
    if (!parent.inUpper()) {
      // a failing call must not copy the parent up: check before that (and again under the lock)
      if (resolver.lookupChild(parent, name) != null) {
        throw new ErrnoException(Errno.EEXIST, "create", "/" + rel);
      }
      copyUp.ensureUpperDir(parentRel);
    }
    ReentrantLock lock = locks.lock(rel);
    Entry newDir = null;
    try {
      parent = resolver.dir(parentRel);
      upperNames.mark();
      UpperDirFds.Ref pref = upperDir(parentRel);
      int pfd = pref.fd;
      try {
        // what the upper layer holds at name decides, with the cached lower merge: no full lookup needed
        boolean knownWhiteout = upperNames.isWhiteout(parentRel, name);
        Stat cur = !knownWhiteout && upperNames.mayHold(parentRel, name) ? fs.lstatOrNull(pfd, name) : null;
        boolean deviceWhiteout = knownWhiteout || (cur != null && cur.isWhiteoutDevice());
        if (cur != null && !deviceWhiteout) {
          throw new ErrnoException(Errno.EEXIST, "create", "/" + rel);
        }
        // whiteouts are only ever written where a lower layer holds the name, so only then look for one
        boolean lowerHolds = resolver.lowerHolds(parent, name);
        boolean fileWhiteout = lowerHolds && upperNames.mayHold(parentRel, Markers.WH_PREFIX + name)
            && fs.lstatOrNull(pfd, Markers.WH_PREFIX + name) != null;
        if (lowerHolds && !deviceWhiteout && !fileWhiteout) {
          throw new ErrnoException(Errno.EEXIST, "create", "/" + rel); // the lower entry shows through
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
        boolean chown = root; // (all but symlinks check their stat first: see finishNew)
        // the mode of the new entry, as the kernel's overlayfs makes it: the caller's, which the upper
        // directory's default ACL masks where it has one, and the caller's umask otherwise
        byte[] defaultAcl = type != S_IFLNK ? defaultAcl(pfd) : null;
        NewMode nm = new NewMode(mode & 07777, caller.umask(), defaultAcl != null);
        Placed made;
        boolean direct = !deviceWhiteout;
        if (!deviceWhiteout) {
          UpperNames.Stamp stamp = null;
          if (type == S_IFDIR) {
            // (what was known of an earlier directory of this name was forgotten when it went away)
            stamp = upperNames.stamp(rel);
          }
          made = make(maker, pfd, parentRel, name, type, nm, rdev, uid, gid, chown);
          if (type == S_IFDIR) {
            upperNames.created(rel, stamp);
            // with redirect_dir=on the kernel makes every new dir in a merged parent opaque (ovl_create_upper)
            if (fileWhiteout || (resolver.redirects().mode().creates() && parent.dirLayers().length > 1)) {
              whiteouts.makeOpaque(pfd, parentRel, name);
            }
          }
        } else {
          int work = stack.workFd();
          String tmp = stack.tempName("new");
          made = null;
          int aclDir = -1;
          try {
            int mkDir = work;
            String mkName = tmp;
            if (defaultAcl != null) {
              // made in a private work dir that carries the parent's default ACL: the backing filesystem then
              // applies and inherits it as it would in the parent
              fs.mkdirat(work, tmp, 0700);
              aclDir = fs.openat(work, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
              fs.fsetxattr(aclDir, POSIX_ACL_DEFAULT, defaultAcl, 0);
              mkDir = aclDir;
              mkName = "new";
            }
            made = make(maker, mkDir, null, mkName, type, nm, rdev, uid, gid, chown);
            if (type == S_IFDIR) {
              whiteouts.makeOpaque(mkDir, null, mkName);
              fs.renameat2(mkDir, mkName, pfd, name, RENAME_EXCHANGE);
            } else {
              fs.renameat2(mkDir, mkName, pfd, name, 0);
            }
            upperNames.added(parentRel, name); // it held the whiteout: known already, unless listed before that
          } catch (ErrnoException | RuntimeException e) {
            if (made != null && made.fd() >= 0) {
              fs.closeQuietly(made.fd());
            }
            throw e;
          } finally {
            if (aclDir >= 0) {
              fs.closeQuietly(aclDir);
            }
            stack.removeTree(work, tmp); // the exchanged whiteout, or the new entry after a failure
          }
        }
        if (fileWhiteout) {
          fs.unlinkat(pfd, Markers.WH_PREFIX + name, 0);
        }
        if (type == S_IFDIR && direct && made.stat() != null) {
          // what a lookup would find: the upper directory alone (opaque where a lower layer holds the name),
          // so the getattr that follows a mkdir and the creates inside need no lookup of it
          newDir = new Entry(rel, stack.upper(), made.stat(), new int[] {stack.upper().index()}, lowerHolds);
        }
        return made;
      } finally {
        upperDirs.release(pref);
        if (type == S_IFDIR) {
          resolver.invalidate(rel, newDir);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs maker and {@link #finishNew}; closes the fd it returned when finishing fails. dirRel is the upper
   * directory dirFd stands for (its new name is recorded at once, even if finishing fails), null for the work dir.
   */
  private Placed make(Maker maker, int dirFd, String dirRel, String name, int type, NewMode nm, long rdev, int uid,
      int gid, boolean chown) throws ErrnoException {
    int fd = maker.make(dirFd, name, root || type == S_IFLNK ? nm.asked() : nm.asked() | ownerBits(type));
    if (dirRel != null) {
      upperNames.added(dirRel, name);
    }
    try {
      return new Placed(fd, finishNew(dirFd, name, fd, type, nm, rdev, uid, gid, chown));
    } catch (ErrnoException | RuntimeException e) {
      if (fd >= 0) {
        fs.closeQuietly(fd);
      }
      throw e;
    }
  }

  /**
   * The mode a new entry gets. perm is the caller's (with S_ISGID added for a directory in a setgid directory);
   * where the upper directory has a default ACL (acl), the backing filesystem masks it with that ACL, as
   * posix_acl_create does under the kernel's overlayfs, and the umask plays no part; otherwise the umask masks it.
   */
  private record NewMode(int perm, int umask, boolean acl) {
    /** The mode to create with (the backing filesystem's ACL, if any, masks it further). */
    int asked() {
      return acl ? perm : perm & ~(umask & 0777);
    }

    /** The mode the entry shows, given what the backing filesystem made of {@link #asked} (| owner bits). */
    int shown(int madeMode) {
      // rootless adds the owner's bits at creation: the ACL's owner entry masked those, not the caller's
      return acl ? (madeMode & 0777 & (perm | 0077)) | (perm & 07000) : asked();
    }
  }

  /** The default ACL of the upper directory dirFd (which then decides the mode of new entries), or null. */
  private byte[] defaultAcl(int dirFd) throws ErrnoException {
    try {
      return fs.lgetxattr(dirFd, "", POSIX_ACL_DEFAULT); // (an O_PATH fd: fgetxattr would give EBADF)
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EOPNOTSUPP) {
        return null; // no ACLs on the upper filesystem
      }
      throw e;
    }
  }

  private static final String POSIX_ACL_DEFAULT = "system.posix_acl_default";

  private static int ownerBits(int type) {
    return type == S_IFDIR ? 0700 : 0600;
  }

  /**
   * Sets owner and mode of a new entry, and the rootless override_stat. All but a symlink were made with their
   * mode (see {@link Maker}): their fstat (lstat) decides whether a chown or chmod is still needed; a symlink
   * gets a chown when {@code chown} (as root). Returns the file's fstat (owner or mode may be stale; dev and ino
   * are right), the directory's or node's current lstat, or null.
   */
  private Stat finishNew(int dirFd, String name, int fd, int type, NewMode nm, long rdev, int uid, int gid,
      boolean chown) throws ErrnoException {
    boolean link = type == S_IFLNK;
    Stat st = null;
    int shown = 0777;
    int realMode = 0777;
    if (!link) {
      // one stat tells whether owner and mode still need setting (the backing filesystem gave what was asked
      // unless its ACL or the daemon's umask took bits or the owner differs), and is the stat the caller needs
      st = fd >= 0 ? fs.fstat(fd) : fs.lstat(dirFd, name);
      shown = nm.shown(st.mode());
      realMode = root ? shown : shown | ownerBits(type);
      boolean chowned = root && (st.uid() != uid || st.gid() != gid);
      if (chowned) {
        if (fd >= 0) {
          fs.fchown(fd, uid, gid);
        } else {
          fs.fchownat(dirFd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
        }
      }
      // chown clears the set-id bits of a non-directory
      boolean setIdCleared = chowned && type != S_IFDIR && (realMode & (S_ISUID | S_ISGID)) != 0;
      if ((st.mode() & 07777) != realMode || setIdCleared) {
        if (fd >= 0) {
          fs.fchmod(fd, realMode);
        } else {
          fs.fchmodat(dirFd, name, realMode, 0);
        }
      }
      if (fd < 0 && (chowned || (st.mode() & 07777) != realMode)) {
        st = null; // a directory's stat is returned only when it is current
      }
    } else if (chown) {
      fs.fchownat(dirFd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
    }
    if (!root && config.overrideStat() && !link) {
      Stat now = st != null ? st : fs.lstat(dirFd, name); // (owner and type only: a stale mode is fine)
      boolean deviceAsFile = (type == S_IFCHR || type == S_IFBLK) && now.isRegular();
      if (uid != now.uid() || gid != now.gid() || realMode != shown || deviceAsFile) {
        byte[] ov = new OverrideStat(uid, gid, shown, type, rdev).format();
        if (fd >= 0) {
          fs.fsetxattr(fd, Markers.OVERRIDE_STAT, ov, 0); // (an O_TMPFILE file has no name)
        } else {
          fs.lsetxattr(dirFd, name, Markers.OVERRIDE_STAT, ov, 0);
        }
      }
    }
    return st;
  }

  OpenFile create(String rel, int mode, int flags, Caller caller, OverlayFs overlay) throws IOException {
    int openFlags = flags & ~(O_TRUNC | O_EXCL | O_CREAT);
    Placed made;
    try {
      made = place(rel, S_IFREG, mode, 0, caller,
          (d, n, realMode) -> fs.openat(d, n, openFlags | O_CREAT | O_EXCL | O_NOFOLLOW, realMode));
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EEXIST && (flags & O_EXCL) == 0 && !rel.isEmpty()) {
        return overlay.open("/" + rel, flags); // it exists: open(2) without O_EXCL opens it
      }
      throw e;
    }
    return overlay.createdHandle(made.fd(), made.stat(), rel, flags, root);
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
    place(rel, type, mode, rdev, caller, (d, n, m) -> {
      if (fake) {
        fs.close(fs.openat(d, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, m));
      } else {
        fs.mknodat(d, n, t | m, rdev);
      }
      return -1;
    });
  }

  void mkdir(String rel, int mode, Caller caller) throws ErrnoException {
    place(rel, S_IFDIR, mode & 07777, 0, caller, (d, n, realMode) -> {
      fs.mkdirat(d, n, realMode & 0777); // S_ISGID comes from a setgid parent, or finishNew's chmod
      return -1;
    });
  }

  void symlink(String target, String rel, Caller caller) throws ErrnoException {
    place(rel, S_IFLNK, 0777, 0, caller, (d, n, m) -> {
      fs.symlinkat(target, d, n);
      return -1;
    });
  }

  /**
   * An O_TMPFILE file in the upper instance of the directory dirRel (copied up first, as the kernel's overlayfs
   * does), with the owner and mode a create there would give it.
   */
  OpenFile tmpfile(String dirRel, int mode, int flags, Caller caller, OverlayFs overlay) throws IOException {
    Entry parent = resolver.dir(dirRel);
    if (!parent.inUpper()) {
      copyUp.ensureUpperDir(dirRel);
      parent = resolver.dir(dirRel);
    }
    String where = "/" + dirRel + " (O_TMPFILE)";
    UpperDirFds.Ref pref = upperDir(dirRel);
    try {
      Attr pa = attrs.attr(parent);
      int uid = config.uidMap().toBacking(caller.uid(), where);
      int gid = config.gidMap().toBacking((pa.mode() & S_ISGID) != 0 ? pa.gid() : caller.gid(), where);
      NewMode nm = new NewMode(mode & 07777, caller.umask(), defaultAcl(pref.fd) != null);
      int openFlags = (flags & ~(O_TRUNC | O_CREAT)) | O_TMPFILE;
      if ((openFlags & O_ACCMODE) == O_RDONLY) {
        openFlags |= O_RDWR; // O_TMPFILE needs write access; the kernel refused a read-only one already
      }
      int of = openFlags;
      Placed made = make((d, n, realMode) -> fs.openat(d, ".", of, realMode), pref.fd, null, "", S_IFREG, nm, 0,
          uid, gid, root);
      return overlay.createdHandle(made.fd(), made.stat(), Resolver.child(dirRel, "#tmpfile"), flags, root);
    } finally {
      upperDirs.release(pref);
    }
  }

  /**
   * Names the open unnamed upper file fd (an O_TMPFILE file) rel, where no entry shows: over a whiteout as a
   * create would, dropping a .wh. file that hid a lower name.
   */
  void linkOpen(int fd, String rel) throws ErrnoException {
    RelPaths.checkCreatable(rel);
    String parentRel = Resolver.parentOf(rel);
    String name = Resolver.nameOf(rel);
    if (resolver.lookupChild(resolver.dir(parentRel), name) != null) {
      throw new ErrnoException(Errno.EEXIST, "link", "/" + rel);
    }
    copyUp.ensureUpperDir(parentRel);
    ReentrantLock lock = locks.lock(rel);
    try {
      if (resolver.lookupChild(resolver.dir(parentRel), name) != null) {
        throw new ErrnoException(Errno.EEXIST, "link", "/" + rel);
      }
      upperNames.mark();
      UpperDirFds.Ref pref = upperDir(parentRel);
      try {
        linkInto(pref.fd, parentRel, name, (dir, n) -> fs.linkFd(fd, dir, n));
      } finally {
        upperDirs.release(pref);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Makes one hard link at (dirFd, name). */
  @FunctionalInterface
  private interface Linker {
    void link(int dirFd, String name) throws ErrnoException;
  }

  /**
   * Links name into the upper directory pfd (parentRel) with linker: through the work dir and a rename over a
   * device whiteout there, directly otherwise; then removes a .wh. file of the name.
   */
  private void linkInto(int pfd, String parentRel, String name, Linker linker) throws ErrnoException {
    boolean knownWhiteout = upperNames.isWhiteout(parentRel, name);
    Stat cur = !knownWhiteout && upperNames.mayHold(parentRel, name) ? fs.lstatOrNull(pfd, name) : null;
    if (knownWhiteout || (cur != null && cur.isWhiteoutDevice())) {
      String tmp = stack.tempName("link");
      linker.link(stack.workFd(), tmp);
      try {
        fs.renameat2(stack.workFd(), tmp, pfd, name, 0);
      } catch (ErrnoException e) {
        fs.unlinkat(stack.workFd(), tmp, 0);
        throw e;
      }
    } else {
      linker.link(pfd, name);
    }
    upperNames.added(parentRel, name);
    if (upperNames.mayHold(parentRel, Markers.WH_PREFIX + name)
        && fs.lstatOrNull(pfd, Markers.WH_PREFIX + name) != null) {
      fs.unlinkat(pfd, Markers.WH_PREFIX + name, 0);
    }
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
    Entry up = copyUp.copyUpMetadata(existing);
    copyUp.ensureUpperDir(parentRel);
    ReentrantLock[] held = locks.lockTwo(existing, rel);
    try {
      if (resolver.lookupChild(resolver.dir(parentRel), name) != null) {
        throw new ErrnoException(Errno.EEXIST, "link", "/" + rel);
      }
      UpperDirFds.Ref sref = upperDir(Resolver.parentOf(existing));
      int sfd = sref.fd;
      if (up.isMetacopy()) {
        // the new name finds the data through an absolute redirect on the shared inode (ovl_set_link_redirect)
        try {
          Redirects r = resolver.redirects();
          String v = r.valueFor(stack.upper().fd(), existing, false);
          if (v != null) {
            r.write(sfd, Resolver.nameOf(existing), existing, v);
          }
        } catch (ErrnoException | RuntimeException e) {
          upperDirs.release(sref);
          throw e;
        }
      }
      UpperDirFds.Ref pref;
      try {
        upperNames.mark();
        pref = upperDir(parentRel);
      } catch (ErrnoException | RuntimeException e) {
        upperDirs.release(sref);
        throw e;
      }
      int pfd = pref.fd;
      try {
        String srcName = Resolver.nameOf(existing);
        linkInto(pfd, parentRel, name, (dir, n) -> fs.linkat(sfd, srcName, dir, n, 0));
      } finally {
        upperDirs.release(sref);
        upperDirs.release(pref);
      }
    } finally {
      PathLocks.unlock(held);
    }
  }

  void unlink(String rel) throws ErrnoException {
    String parentRel = Resolver.parentOf(rel);
    if (!resolver.dir(parentRel).inUpper()) {
      // a failing call must not copy the parent up: check before that (and again under the lock)
      if (resolver.require(rel).isDir()) {
        throw new ErrnoException(Errno.EISDIR, "unlink", "/" + rel);
      }
      copyUp.ensureUpperDir(parentRel);
    }
    Index index = attrs.index();
    if (index != null) {
      copyUpIndexed(rel);
    }
    ReentrantLock lock = locks.lock(rel);
    try {
      Entry e = resolver.require(rel);
      if (e.isDir()) {
        throw new ErrnoException(Errno.EISDIR, "unlink", "/" + rel);
      }
      String indexName = index != null && e.inUpper() ? index.indexedName(e.layer().fd(), rel, e.stat()) : null;
      upperNames.mark();
      UpperDirFds.Ref pref = upperDir(parentRel);
      int pfd = pref.fd;
      try {
        if (e.inUpper() && !e.needsWhiteout()) {
          UpperNames.Stamp st = upperNames.stamp(parentRel);
          fs.unlinkat(pfd, Resolver.nameOf(rel), 0);
          upperNames.removed(parentRel, Resolver.nameOf(rel), st);
        } else {
          // the lookup under this lock saw what the upper dir holds at the name: e, or nothing
          whiteouts.whiteout(pfd, parentRel, Resolver.nameOf(rel), e.inUpper() ? e.stat() : null);
        }
      } finally {
        upperDirs.release(pref);
      }
      if (indexName != null) {
        index.removed(indexName, e.stat());
      }
      forgetIfLastLink(e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * With index=on, a lower hard link is copied up (into the index) before one of its names is removed or replaced,
   * so that the overlay's link count of the others can drop, as the kernel's ovl_nlink_start does.
   */
  void copyUpIndexed(String rel) throws ErrnoException {
    Entry pre = resolver.lookup(rel);
    if (pre != null && !pre.inUpper() && Index.applies(pre.stat())) {
      copyUp.copyUp(rel, true);
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
    String parentRel = Resolver.parentOf(rel);
    if (!resolver.dir(parentRel).inUpper()) {
      // errors come before any copy-up of the parent (and are checked again under the lock)
      checkRemovableDir(rel, resolver.require(rel));
      copyUp.ensureUpperDir(parentRel);
    }
    ReentrantLock lock = locks.lock(rel);
    try {
      Entry e = resolver.require(rel);
      checkRemovableDir(rel, e);
      upperNames.mark();
      UpperDirFds.Ref pref = upperDir(parentRel);
      int pfd = pref.fd;
      try {
        String name = Resolver.nameOf(rel);
        if (e.inUpper() && !e.needsWhiteout()) {
          UpperNames.Stamp st = upperNames.stamp(parentRel);
          removeUpperDir(pfd, name);
          upperNames.removed(parentRel, name, st);
        } else {
          whiteouts.whiteout(pfd, parentRel, name, e.inUpper() ? e.stat() : null);
        }
      } finally {
        upperDirs.release(pref);
      }
      resolver.invalidate(rel);
      upperNames.forget(rel);
    } finally {
      lock.unlock();
    }
  }

  private void checkRemovableDir(String rel, Entry e) throws ErrnoException {
    if (!e.isDir()) {
      throw new ErrnoException(Errno.ENOTDIR, "rmdir", "/" + rel);
    }
    if (!merger.isEmpty(e)) {
      throw new ErrnoException(Errno.ENOTEMPTY, "rmdir", "/" + rel);
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
  UpperNames upperNames() { return upperNames; }
  PathLocks locks() { return locks; }
  AttrFactory attrs() { return attrs; }
  boolean root() { return root; }

  UpperDirFds.Ref acquireDir(String rel) throws ErrnoException {
    return upperDir(rel);
  }

  void releaseDir(UpperDirFds.Ref r) {
    upperDirs.release(r);
  }

  void forgetReplaced(Entry dst) throws ErrnoException {
    forgetIfLastLink(dst);
  }
}
