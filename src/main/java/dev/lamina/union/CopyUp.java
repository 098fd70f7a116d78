package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copy-up: brings a lower entry into the upper layer before it is changed. Parents first (each one a
 * directory with the lower's mode, owner, times and xattrs), then the entry itself: built under a temp name
 * in the work dir (data with holes kept, mode, owner, xattrs, times with nanoseconds) and renamed into place
 * with RENAME_NOREPLACE, so a crash never leaves a partial file visible. A per-path lock makes two racing
 * writers end with one correct copy; the copy keeps its merged inode number.
 */
final class CopyUp {
  private static final Logger log = LoggerFactory.getLogger(CopyUp.class);
  private static final int CHUNK = 1 << 20;

  private final HostFs fs;
  private final LayerStack stack;
  private final Resolver resolver;
  private final InodeMap inodes;
  private final AttrFactory attrs;
  private final PathLocks locks;
  /**
   * Held around "stat the upper parent, rename the copy into it, restore the parent's times", so two copy-ups
   * into one directory cannot save each other's changed times. Always the innermost lock, and never two at once,
   * so it cannot deadlock with {@link #locks}.
   */
  private final PathLocks parentTimeLocks = new PathLocks();
  private final OverlayConfig config;
  private final UpperNames upperNames;
  private final UpperDirFds upperDirs;
  private final boolean root;
  private final MetaCopy metaCopy;
  private final java.util.concurrent.atomic.AtomicLong fileCopyUps = new java.util.concurrent.atomic.AtomicLong();
  private final ThreadLocal<ByteBuffer> buffer = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK));

  CopyUp(HostFs fs, LayerStack stack, Resolver resolver, InodeMap inodes, AttrFactory attrs, PathLocks locks,
      OverlayConfig config, UpperNames upperNames, UpperDirFds upperDirs) {
    this.upperNames = upperNames;
    this.upperDirs = upperDirs;
    this.fs = fs;
    this.stack = stack;
    this.resolver = resolver;
    this.inodes = inodes;
    this.attrs = attrs;
    this.locks = locks;
    this.config = config;
    this.root = fs.geteuid() == 0;
    this.metaCopy = resolver.metaCopy();
  }

  /** How many non-directories were copied up so far; readers of lower files compare it to notice a copy-up. */
  long fileCopyUps() {
    return fileCopyUps.get();
  }

  /** Makes sure the merged directory rel has an upper instance, copying up its ancestors first. */
  void ensureUpperDir(String rel) throws ErrnoException {
    if (rel.isEmpty()) {
      return;
    }
    Entry d = resolver.dir(rel);
    if (d.inUpper()) {
      return;
    }
    ensureUpperDir(Resolver.parentOf(rel));
    ReentrantLock lock = locks.lock(rel);
    try {
      d = resolver.dir(rel);
      if (d.inUpper()) {
        return;
      }
      copyUpLocked(d);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes sure the merged entry rel is in the upper layer with its data; withData=false skips file contents
   * (for O_TRUNC). A metadata-only copy gets its data now.
   */
  Entry copyUp(String rel, boolean withData) throws ErrnoException {
    Entry e = resolver.require(rel);
    if (e.inUpper()) {
      return e.isMetacopy() ? completeData(rel, withData) : e;
    }
    return copyUp(rel, withData, false);
  }

  /**
   * Makes sure the merged entry rel is in the upper layer before a change of its metadata (chmod, chown,
   * utimens, xattrs, link, rename): with metacopy on, a regular file is copied up without its data.
   */
  Entry copyUpMetadata(String rel) throws ErrnoException {
    return copyUp(rel, true, metaCopy.enabled());
  }

  private Entry copyUp(String rel, boolean withData, boolean metaOnly) throws ErrnoException {
    Entry e = resolver.require(rel);
    if (e.inUpper()) {
      return e;
    }
    if (e.isDir()) {
      ensureUpperDir(rel);
      return resolver.require(rel);
    }
    ensureUpperDir(Resolver.parentOf(rel));
    ReentrantLock lock = locks.lock(rel);
    try {
      e = resolver.require(rel);
      if (e.inUpper()) {
        return e;
      }
      // a lower hard link copied up through the index is copied with its data (see Index)
      boolean meta = metaOnly && e.stat().isRegular() && !indexed(e) && metaCopy.usable(stack.workFd(), stack.tempName("probe"));
      Stat up = copyUpLocked(e, withData, meta);
      // the copy is what a lookup would now find: the upper instance, with the lower one below it
      Entry copy = new Entry(rel, stack.upper(), up, new int[0], true);
      return meta ? copy.withData(dataOf(e)) : copy;
    } finally {
      lock.unlock();
    }
  }

  /** Where the data of a copy of e is: e itself, or e's own data when e is a metadata-only copy. */
  private static MetaCopy.Data dataOf(Entry e) {
    return e.isMetacopy() ? e.data() : new MetaCopy.Data(e.layer(), e.path(), e.stat());
  }

  /** Copies the data of the metadata-only copy rel into it (see {@link MetaCopy#completeData}). */
  private Entry completeData(String rel, boolean withData) throws ErrnoException {
    ReentrantLock lock = locks.lock(rel);
    try {
      Entry e = resolver.require(rel);
      if (!e.inUpper() || !e.isMetacopy()) {
        return e;
      }
      metaCopy.completeData(e, withData, stack.upper().fd(), this);
      fileCopyUps.incrementAndGet(); // readers of the lower data move to the full copy
      return resolver.require(rel);
    } finally {
      lock.unlock();
    }
  }

  private void copyUpLocked(Entry d) throws ErrnoException {
    copyUpLocked(d, true, false);
  }

  /**
   * Copies e up; returns the copy's stat for a non-directory (its mode may be stale), null for a directory.
   * meta: a regular file becomes a metadata-only copy.
   */
  private Stat copyUpLocked(Entry e, boolean withData, boolean meta) throws ErrnoException {
    Layer src = e.layer();
    Stat st = e.stat();
    long mergedIno = attrs.ino(e);
    int work = stack.workFd();
    String tmp = stack.tempName("copyup");
    Stat copy = null;
    Index index = indexed(e) ? attrs.index() : null;
    String indexName = index != null ? index.nameOf(e) : null;
    try {
      if (indexName != null && index.entry(indexName, st, e.rel()) != null) {
        tmp = null; // another name of this lower inode was copied up: this one is linked to it (link-up)
      } else switch (st.type()) {
        case S_IFREG -> copy = copyFile(src, e, st, tmp, withData, meta);
        case S_IFDIR -> {
          fs.mkdirat(work, tmp, 0700);
          finishMetadata(src, e.path(), st, tmp, false);
        }
        case S_IFLNK -> {
          fs.symlinkat(fs.readlinkat(src.fd(), e.path()), work, tmp);
          finishMetadata(src, e.path(), st, tmp, true);
        }
        default -> {
          fs.mknodat(work, tmp, st.mode(), st.rdev());
          finishMetadata(src, e.path(), st, tmp, false);
        }
      }
      boolean hasOrigin = tmp == null || attrs.origins().record(src, e.path(), st, work, tmp, indexName != null);
      if (tmp != null && indexName != null && (!hasOrigin || !index.publish(work, tmp, indexName, st))) {
        stack.removeTree(work, tmp); // no origin, no index entry; or another copy-up made it meanwhile
        tmp = null;
        if (!hasOrigin) {
          throw new ErrnoException(Errno.EIO, "copy-up into the index (no origin could be recorded)", "/" + e.rel());
        }
      }
      String parentRel = Resolver.parentOf(e.rel());
      upperNames.mark();
      UpperDirFds.Ref pref = upperDirs.acquire(parentRel);
      int parent = pref.fd;
      ReentrantLock parentLock = parentTimeLocks.lock(parentRel);
      try {
        Stat before = fs.fstat(parent);
        UpperNames.Stamp stamp = upperNames.stamp(e.rel());
        if (indexName != null) {
          copy = index.linkUp(indexName, st, parent, Resolver.nameOf(e.rel()));
        } else if (!renameIntoPlace(work, tmp, parent, e)) {
          // another copy-up made this directory first (a cached resolution was a moment old): it holds the
          // same metadata from the same lower directory, so it serves, and ours is dropped
          stack.removeTree(work, tmp);
          upperNames.added(parentRel, Resolver.nameOf(e.rel()));
          resolver.invalidate(e.rel());
          return null;
        }
        upperNames.added(parentRel, Resolver.nameOf(e.rel()));
        if (hasOrigin) {
          attrs.origins().markImpure(parent, before.ino());
        }
        if (st.isDir()) {
          upperNames.created(e.rel(), stamp); // a copied-up directory starts empty
        }
        // a copy-up is not a change of the directory: keep its times, as ovl_copy_up_one does
        fs.utimensat(parent, "", before.atimeSec(), before.atimeNsec(), before.mtimeSec(), before.mtimeNsec(), 0);
        if (!st.isDir()) {
          if (copy == null) {
            copy = fs.lstat(parent, Resolver.nameOf(e.rel()));
          }
          if (st.nlink() <= 1 || indexName != null) {
            // a lower hard link copied up is no longer its other names' inode (overlayfs without index
            // breaks the link, and shows the upper number then): only a single-link file keeps its number,
            // and a hard link copied up through the index, which stays every name's inode
            inodes.recordOrigin(copy, mergedIno);
          }
          fileCopyUps.incrementAndGet();
        }
      } finally {
        parentLock.unlock();
        upperDirs.release(pref);
      }
    } catch (ErrnoException ex) {
      try {
        if (tmp != null) {
          stack.removeTree(work, tmp);
        }
      } catch (ErrnoException cleanup) {
        log.warn("could not remove copy-up leftover {} in the work dir: {}", tmp, cleanup.getMessage());
      }
      throw new ErrnoException(ex.errno(), "copy-up (" + ex.op() + ")", "/" + e.rel());
    }
    if (st.isDir()) {
      resolver.invalidate(e.rel());
    }
    log.debug("copied up /{} from {}", e.rel(), src);
    return st.isDir() ? null : copy;
  }

  /** Whether e (a lower entry) is copied up through the mount's inode index ({@link Index#applies}). */
  private boolean indexed(Entry e) {
    return attrs.index() != null && !e.inUpper() && Index.applies(e.stat());
  }

  /**
   * Renames the finished copy into the upper layer, never over an existing entry; false when a directory is
   * already there (EEXIST for a directory copy-up whose upper instance appeared meanwhile).
   */
  private boolean renameIntoPlace(int work, String tmp, int parent, Entry e) throws ErrnoException {
    try {
      fs.renameat2(work, tmp, parent, Resolver.nameOf(e.rel()), RENAME_NOREPLACE);
      return true;
    } catch (ErrnoException ex) {
      if (ex.errno() == Errno.EEXIST && e.isDir()) {
        Stat there = fs.lstatOrNull(parent, Resolver.nameOf(e.rel()));
        if (there != null && there.isDir()) {
          log.debug("copy-up of /{}: the directory was copied up meanwhile", e.rel());
          return false;
        }
      }
      throw ex;
    }
  }

  /**
   * Builds the copy of a regular file as tmp in the work dir; returns its fstat (taken before the times are
   * set). meta: a metadata-only copy (no data, the xattr and the size; see {@link MetaCopy}). The data of a
   * lower metadata-only copy is read from its own data file.
   */
  private Stat copyFile(Layer src, Entry e, Stat st, String tmp, boolean withData, boolean meta) throws ErrnoException {
    String rel = e.path();
    MetaCopy.Data data = dataOf(e);
    int in = withData && !meta ? fs.openBeneath(data.layer().fd(), data.path(), AccessTimes.own(O_RDONLY), 0) : -1;
    // created with its final mode: setOwnerModeXattrs then only fixes it when the umask or a chown changed it
    int out = fs.openat(stack.workFd(), tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, realMode(st));
    try {
      if (in >= 0) {
        copyData(in, out, st.size(), data.stat());
      }
      Stat copy = setOwnerModeXattrs(src, rel, st, out, null, Boolean.FALSE);
      if (meta) {
        metaCopy.forget(copy);
        metaCopy.mark(out, st.size());
      } else {
        metaCopy.created(copy);
      }
      fs.futimens(out, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec());
      return copy;
    } finally {
      fs.closeQuietly(out);
      if (in >= 0) {
        fs.closeQuietly(in);
      }
    }
  }

  /**
   * Whether a file certainly has no hole: small (12 KiB, below which no filesystem counts indirect blocks
   * in st_blocks) and with allocated blocks covering its size. Most files of an image are that small.
   */
  static boolean isDense(Stat st) {
    return st.size() <= DENSE_MAX && st.blocks() * 512 >= st.size();
  }

  private static final long DENSE_MAX = 12 * 1024;

  /**
   * Copies size bytes of in, the file src describes, to out: its data regions (SEEK_DATA/SEEK_HOLE), leaving
   * holes as holes, then sets the size. When src is dense (its allocated blocks cover its size) it has no holes
   * to keep and the SEEK_DATA/SEEK_HOLE probes are skipped.
   */
  void copyData(int in, int out, long size, Stat src) throws ErrnoException {
    long dev = src.dev();
    if (isDense(src)) {
      if (copyRange(in, out, 0, size, dev) != size) {
        fs.ftruncate(out, size); // the file shrank underneath us: the size it had
      }
      return;
    }
    long off = 0;
    long end = 0; // where the copy's data ends: when that is the size, no ftruncate is needed
    while (off < size) {
      long data;
      long hole;
      try {
        data = fs.lseek(in, off, SEEK_DATA);
        if (data < 0) {
          break; // only a hole remains
        }
        hole = fs.lseek(in, data, SEEK_HOLE);
        if (hole < 0) {
          hole = size;
        }
      } catch (ErrnoException e) {
        if (e.errno() != Errno.EINVAL) {
          throw e;
        }
        data = off; // no SEEK_DATA on this filesystem: copy everything
        hole = size;
      }
      long len = Math.min(hole, size) - data;
      long n = copyRange(in, out, data, len, dev);
      end = data + n;
      if (n < len) {
        break; // the file shrank underneath us; ftruncate below gives the size it had
      }
      off = hole;
    }
    if (end != size) {
      fs.ftruncate(out, size);
    }
  }

  /**
   * Source devices copy_file_range refused to copy from (EXDEV: another file system than the upper layer's, as
   * the lower layers mostly are), so that later copies from them go straight to sendfile rather than pay a
   * failing system call per file.
   */
  private final Set<Long> noKernelCopyFrom = ConcurrentHashMap.newKeySet();

  /**
   * Copies len bytes at off from in (on device dev); returns how many were copied (fewer only when the source
   * shrank).
   */
  private long copyRange(int in, int out, long off, long len, long dev) throws ErrnoException {
    long done = 0;
    boolean kernelCopy = !noKernelCopyFrom.contains(dev);
    boolean sendfile = true; // where copy_file_range cannot: still in the kernel, no copy through our buffer
    boolean positioned = false; // out's file position is off + done (sendfile writes there)
    while (done < len) {
      if (kernelCopy) {
        try {
          long n = fs.copyFileRange(in, off + done, out, off + done, len - done);
          if (n == 0) {
            return done; // the file shrank underneath us; the size is fixed by ftruncate
          }
          done += n;
          continue;
        } catch (ErrnoException e) {
          int err = e.errno();
          if (err != Errno.EXDEV && err != Errno.ENOTSUP && err != Errno.ENOSYS && err != Errno.EINVAL) {
            throw e;
          }
          if (err == Errno.EXDEV) {
            noKernelCopyFrom.add(dev);
          }
          kernelCopy = false;
        }
      }
      if (sendfile) {
        try {
          if (!positioned) {
            fs.lseek(out, off + done, SEEK_SET);
            positioned = true;
          }
          long n = fs.sendfile(out, in, off + done, len - done);
          if (n == 0) {
            return done; // the file shrank underneath us
          }
          done += n;
          continue;
        } catch (ErrnoException e) {
          if (e.errno() != Errno.EINVAL && e.errno() != Errno.ENOSYS) {
            throw e;
          }
          sendfile = false;
        }
      }
      ByteBuffer b = buffer.get();
      b.clear().limit((int) Math.min(CHUNK, len - done));
      int n = fs.pread(in, b, off + done);
      if (n == 0) {
        return done;
      }
      b.flip();
      while (b.hasRemaining()) {
        fs.pwrite(out, b, off + done + b.position());
      }
      done += n;
    }
    return done;
  }

  private void finishMetadata(Layer src, String rel, Stat st, String tmp, boolean symlink) throws ErrnoException {
    setOwnerModeXattrs(src, rel, st, -1, tmp, symlink ? Boolean.TRUE : Boolean.FALSE);
    fs.utimensat(stack.workFd(), tmp, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec(), AT_SYMLINK_NOFOLLOW);
  }

  /**
   * Owner, mode and xattrs of the copy (on fd, or on tmp in the work dir). Owner before mode, since chown
   * clears setuid. The lower's opaque markers are not copied (the copy would hide its own lower instance);
   * its override_stat is. Without root the owner cannot be set: it is recorded in override_stat instead.
   */
  private Stat setOwnerModeXattrs(Layer src, String rel, Stat st, int fd, String tmp, Boolean symlink) throws ErrnoException {
    int work = stack.workFd();
    boolean isLink = Boolean.TRUE.equals(symlink);
    int mode = st.mode() & 07777;
    int realMode = realMode(st);
    Stat copy = null;
    if (fd >= 0) {
      // a file created with realMode: one fstat tells whether owner and mode still need setting (and gives
      // the inode the copy-up records)
      copy = fs.fstat(fd);
      boolean chowned = root && (copy.uid() != st.uid() || copy.gid() != st.gid());
      if (chowned) {
        fs.fchown(fd, st.uid(), st.gid());
      }
      if ((copy.mode() & 07777) != realMode || (chowned && (realMode & (S_ISUID | S_ISGID)) != 0)) {
        fs.fchmod(fd, realMode); // the umask took bits, or chown cleared set-id bits
      }
    } else {
      if (root) {
        fs.fchownat(work, tmp, st.uid(), st.gid(), AT_SYMLINK_NOFOLLOW);
      }
      if (!isLink) {
        fs.fchmodat(work, tmp, realMode, 0);
      }
    }
    boolean hasOverride = false;
    java.util.List<String> names;
    try {
      names = fs.llistxattr(src.fd(), rel);
    } catch (ErrnoException e) {
      names = java.util.List.of();
    }
    for (String name : names) {
      if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
        continue;
      }
      byte[] v = fs.lgetxattr(src.fd(), rel, name);
      if (v == null) {
        continue;
      }
      try {
        if (fd >= 0) {
          fs.fsetxattr(fd, name, v, 0);
        } else {
          fs.lsetxattr(work, tmp, name, v, 0);
        }
        hasOverride |= name.equals(Markers.OVERRIDE_STAT);
      } catch (ErrnoException e) {
        // security.* or trusted.* the upper fs or our privileges do not allow; the kernel skips these too
        log.debug("copy-up of /{}: xattr {} not copied: {}", rel, name, e.getMessage());
      }
    }
    if (!root && config.overrideStat() && !hasOverride && !isLink
        && (st.uid() != fs.geteuid() || st.gid() != fs.getegid() || realMode != mode)) {
      byte[] v = new OverrideStat(st.uid(), st.gid(), st.mode() & 07777, st.type(), st.rdev()).format();
      if (fd >= 0) {
        fs.fsetxattr(fd, Markers.OVERRIDE_STAT, v, 0);
      } else {
        fs.lsetxattr(work, tmp, Markers.OVERRIDE_STAT, v, 0);
      }
    }
    return copy;
  }

  /**
   * The mode the copy gets on disk: the lower's, except that without root the copy must stay usable by us,
   * so owner rw (and x for dirs) are kept on the real file and the image's mode goes to override_stat.
   */
  private int realMode(Stat st) {
    int mode = st.mode() & 07777;
    return root ? mode : mode | (st.isDir() ? 0700 : 0600);
  }
}
