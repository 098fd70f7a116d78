package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import dev.lamina.sys.StatVfs;
import dev.lamina.union.Handles.DirHandle;
import dev.lamina.union.Handles.FileHandle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The overlay filesystem on plain directories: {@link UnionFs} over a {@link LayerStack}. Reads are served
 * from the topmost layer holding a name; every change goes to the upper layer after a copy-up. Namespace
 * changes live in {@link Namespace}, metadata changes in {@link MetadataOps}; this class holds lookups, open
 * files and directories. Kernel overlayfs is the reference for every answer.
 */
public final class OverlayFs implements UnionFs {
  private static final int OPEN_FLAGS_KEPT =
      O_ACCMODE | O_APPEND | O_TRUNC | O_SYNC | O_DSYNC | O_NONBLOCK;

  private final HostFs fs;
  private final OverlayConfig config;
  private final LayerStack stack;
  private final Resolver resolver;
  private final AttrFactory attrs;
  private final DirMerger merger;
  private final CopyUp copyUp;
  private final Namespace namespace;
  private final MetadataOps metadata;
  private final UpperDirFds upperDirs;
  private final UpperNames upperNames;
  private final AccessTimes times;
  private final MetaCopy metaCopy;
  private final LowerDirCache lower;
  /** The inode index (index=on), or null. */
  private final Index index;
  /** Merged inode numbers of lower files unlinked while open: fgetattr reports nlink 0 for them. */
  private final Set<Long> unlinkedLower = ConcurrentHashMap.newKeySet();

  public OverlayFs(OverlayConfig config) throws IOException {
    this(HostFs.get(), config);
  }

  public OverlayFs(HostFs fs, OverlayConfig config) throws IOException {
    this.fs = fs;
    this.config = config;
    this.stack = new LayerStack(fs, config);
    Redirects redirects = new Redirects(fs, config.redirectDir(), fs.geteuid() == 0);
    LowerDirCache lower;
    try {
      lower = new LowerDirCache(fs, stack, redirects.xattr());
    } catch (IOException | RuntimeException e) {
      stack.close();
      throw e;
    }
    this.upperDirs = new UpperDirFds(fs, stack);
    this.upperNames = new UpperNames(fs, stack, upperDirs);
    Whiteouts whiteouts = new Whiteouts(fs, stack, config.whiteoutFormat(), upperNames);
    List<Long> rootDevs = new java.util.ArrayList<>();
    for (Layer l : stack.all()) {
      rootDevs.add(l.rootDev()); // a loop, not a stream: no lambda bootstrap at mount
    }
    InodeMap inodes = new InodeMap(rootDevs);
    LowerMerges merges = new LowerMerges(stack, lower, inodes);
    this.metaCopy = new MetaCopy(fs, config.metacopy(), fs.geteuid() == 0);
    this.lower = lower;
    this.resolver = new Resolver(fs, stack, lower, whiteouts, merges, upperNames, redirects, metaCopy);
    this.attrs = new AttrFactory(fs, stack, lower, inodes, config);
    try {
      this.index = IndexSetup.open(fs, stack, config, attrs.origins());
    } catch (IOException | RuntimeException e) {
      stack.close();
      throw e;
    }
    attrs.index(index);
    this.merger = new DirMerger(fs, stack, merges, resolver, inodes, attrs, upperNames);
    PathLocks locks = new PathLocks();
    this.copyUp = new CopyUp(fs, stack, resolver, inodes, attrs, locks, config, upperNames, upperDirs);
    this.namespace = new Namespace(fs, stack, resolver, merger, copyUp, whiteouts, inodes, attrs, locks, config, unlinkedLower,
        upperNames, upperDirs);
    this.metadata = new MetadataOps(fs, stack, resolver, copyUp, attrs, locks, config, upperDirs);
    this.times = new AccessTimes(fs, stack, config.atime());
  }

  /** The lower-layer listings (for tests). */
  LowerDirCache lowerDirs() {
    return lower;
  }

  /** Names the upper-directory index holds now (for tests: it must not grow with names that are gone). */
  int upperNamesKnown() {
    return upperNames.size();
  }

  public OverlayConfig config() {
    return config;
  }

  private void checkWritable(String op, String rel) throws ErrnoException {
    if (stack.upper() == null) {
      throw new ErrnoException(Errno.EROFS, op, "/" + rel);
    }
  }

  @Override
  public Attr getattr(String path) throws IOException {
    return attrs.attr(resolver.require(RelPaths.of(path)));
  }

  @Override
  public Attr fgetattr(OpenFile file) throws IOException {
    FileHandle h = (FileHandle) file;
    followCopyUp(h);
    Stat st;
    synchronized (h) { // fd and layer change together when the handle follows a copy-up
      st = h.metaFd >= 0 && !h.layer.upper() ? fs.fstat(h.metaFd) : fs.fstat(h.fd);
      if (h.metaFd >= 0 && !h.layer.upper()) {
        // a metadata-only copy read from its lower data file: the copy's metadata, the data's blocks
        Stat data = fs.fstat(h.fd);
        st = MetaCopy.withDataBlocks(st, new MetaCopy.Data(h.layer, h.rel, data));
        OverrideStat ov = attrs.honorsOverride(st) ? attrs.readOverride(h.metaFd) : null;
        return attrs.build(st, h.ino, st.nlink(), ov, attrs.linkId(h.metaLayer, st));
      }
    }
    long nlink = !h.layer.upper() && unlinkedLower.contains(h.ino) ? 0 : st.nlink();
    if (index != null && h.layer.upper() && nlink > 1 && !st.isDir()) {
      nlink = index.nlinkOfFd(h.fd, st);
    }
    OverrideStat ov = !h.noOverride && attrs.honorsOverride(st) ? attrs.readOverride(h.fd) : null;
    return attrs.build(st, h.ino, nlink, ov, st.isDir() ? 0 : attrs.linkId(h.layer, st));
  }

  @Override
  public String readlink(String path) throws IOException {
    Entry e = resolver.require(RelPaths.of(path));
    if (!e.stat().isSymlink()) {
      throw new ErrnoException(Errno.EINVAL, "readlink", path);
    }
    return fs.readlinkat(e.layer().fd(), e.path());
  }

  @Override
  public void mknod(String path, int mode, long rdev, Caller caller) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("mknod", rel);
    namespace.mknod(rel, mode, rdev, caller);
  }

  @Override
  public void mkdir(String path, int mode, Caller caller) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("mkdir", rel);
    namespace.mkdir(rel, mode, caller);
  }

  @Override
  public void unlink(String path) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("unlink", rel);
    namespace.unlink(rel);
  }

  @Override
  public void rmdir(String path) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("rmdir", rel);
    namespace.rmdir(rel);
  }

  @Override
  public void symlink(String target, String linkPath, Caller caller) throws IOException {
    String rel = RelPaths.of(linkPath);
    checkWritable("symlink", rel);
    namespace.symlink(target, rel, caller);
  }

  @Override
  public void rename(String from, String to, int flags) throws IOException {
    String a = RelPaths.of(from);
    String b = RelPaths.of(to);
    checkWritable("rename", a);
    namespace.rename(a, b, flags);
  }

  @Override
  public void link(String existing, String newPath) throws IOException {
    String a = RelPaths.of(existing);
    String b = RelPaths.of(newPath);
    checkWritable("link", b);
    namespace.link(a, b);
  }

  @Override
  public void chmod(String path, int mode) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("chmod", rel);
    metadata.chmod(rel, mode);
  }

  @Override
  public void chown(String path, int uid, int gid) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("chown", rel);
    metadata.chown(rel, uid, gid);
  }

  @Override
  public void truncate(String path, long size) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("truncate", rel);
    metadata.truncate(rel, size);
  }

  @Override
  public void utimens(String path, Timespec atime, Timespec mtime) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("utimens", rel);
    metadata.utimens(rel, atime, mtime);
  }

  @Override
  public OpenFile open(String path, int flags) throws IOException {
    String rel = RelPaths.of(path);
    Entry e = resolver.require(rel);
    boolean write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
    if (e.isDir() && write) {
      throw new ErrnoException(Errno.EISDIR, "open", path);
    }
    int kept = flags & OPEN_FLAGS_KEPT;
    if (!write) {
      long seen = copyUp.fileCopyUps();
      if (e.isMetacopy()) {
        return openMetacopy(e, rel, flags, kept, seen);
      }
      String indexName = indexedLower(e);
      if (indexName != null) {
        // a lower hard link with an index entry: its inode is that upper one, as ovl_lookup makes it
        int fd = fs.openBeneath(index.dirFd(), indexName, times.upperFlags(kept), 0);
        return new FileHandle(fd, stack.upper(), attrs.ino(e), rel, flags, seen);
      }
      int fd = e.inUpper()
          ? fs.openBeneath(times.upperFd(), e.path(), times.upperFlags(kept), 0)
          : fs.openBeneath(e.layer().fd(), e.path(), AccessTimes.own(kept), 0);
      return new FileHandle(fd, e.layer(), attrs.ino(e), rel, flags, seen);
    }
    checkWritable("open for writing", rel);
    Entry up = copyUp.copyUp(rel, (flags & O_TRUNC) == 0);
    int fd = fs.openBeneath(times.upperFd(), rel, times.upperFlags(kept), 0);
    return new FileHandle(fd, stack.upper(), attrs.ino(up), rel, flags, 0);
  }

  /** The index name of the lower non-directory e when another name of its inode was copied up (index=on), else null. */
  private String indexedLower(Entry e) throws ErrnoException {
    if (index == null || e.inUpper() || !Index.applies(e.stat())) {
      return null;
    }
    String name = index.nameOf(e);
    return name != null && index.entry(name, e.stat(), e.rel()) != null ? name : null;
  }

  /**
   * A reader of a metadata-only copy reads its lower data file; the copy itself is held open for fstat
   * and fgetxattr (its metadata). Once the data is copied up the handle moves to the upper file, as for any copy-up.
   */
  private OpenFile openMetacopy(Entry e, String rel, int flags, int kept, long seen) throws ErrnoException {
    MetaCopy.Data d = e.data();
    int fd = fs.openBeneath(d.layer().fd(), d.path(), AccessTimes.own(kept), 0);
    try {
      FileHandle h = new FileHandle(fd, d.layer(), attrs.ino(e), rel, flags, seen);
      h.metaFd = fs.openBeneath(e.layer().fd(), e.path(), AccessTimes.own(O_RDONLY | O_NOFOLLOW), 0);
      h.metaLayer = e.layer();
      return h;
    } catch (ErrnoException ex) {
      fs.closeQuietly(fd);
      throw ex;
    }
  }

  @Override
  public OpenFile create(String path, int mode, int flags, Caller caller) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("create", rel);
    return namespace.create(rel, mode, times.upperFlags(flags & OPEN_FLAGS_KEPT) | (flags & O_EXCL), caller, this);
  }

  @Override
  public OpenFile tmpfile(String dirPath, int mode, int flags, Caller caller) throws IOException {
    String rel = RelPaths.of(dirPath);
    checkWritable("open O_TMPFILE", rel);
    return namespace.tmpfile(rel, mode, times.upperFlags(flags & OPEN_FLAGS_KEPT) | (flags & O_EXCL), caller, this);
  }

  @Override
  public void linkOpen(OpenFile file, String newPath) throws IOException {
    String rel = RelPaths.of(newPath);
    checkWritable("link", rel);
    FileHandle h = (FileHandle) file;
    if (!h.layer.upper()) {
      // a lower file always has a name a link can take; only an unnamed upper file comes here
      throw new ErrnoException(Errno.ENOENT, "link (the file has no name)", "/" + rel);
    }
    namespace.linkOpen(h.fd, rel);
  }

  /** The upper file behind a handle whose name is gone; a lower one cannot change (EROFS, as a lower layer). */
  private FileHandle upperHandle(OpenFile file, String op) throws ErrnoException {
    FileHandle h = (FileHandle) file;
    if (!h.layer.upper()) {
      throw new ErrnoException(Errno.EROFS, op + " (a lower file without a name)", "/" + h.rel);
    }
    return h;
  }

  @Override
  public void fchmod(OpenFile file, int mode) throws IOException {
    FileHandle h = upperHandle(file, "chmod");
    OverrideStat cur = h.noOverride ? null : attrs.honorsOverride(fs.fstat(h.fd)) ? attrs.readOverride(h.fd) : null;
    if (cur != null) {
      fs.fsetxattr(h.fd, Markers.OVERRIDE_STAT,
          new OverrideStat(cur.uid(), cur.gid(), mode & 07777, cur.type(), cur.rdev()).format(), 0);
      fs.fchmod(h.fd, (mode & 0777) | 0600);
    } else {
      fs.fchmod(h.fd, mode & 07777);
    }
  }

  @Override
  public void fchown(OpenFile file, int uid, int gid) throws IOException {
    FileHandle h = upperHandle(file, "chown");
    fs.fchown(h.fd, config.uidMap().toBacking(uid, "/" + h.rel), config.gidMap().toBacking(gid, "/" + h.rel));
  }

  @Override
  public void futimens(OpenFile file, Timespec atime, Timespec mtime) throws IOException {
    FileHandle h = upperHandle(file, "utimens");
    fs.futimens(h.fd, atime.sec(), atime.nsec(), mtime.sec(), mtime.nsec());
  }

  /**
   * The handle of a file the namespace just created in the upper layer, on the fd it was created with (st is
   * its fstat). noOverride: no override_stat can ever appear on this inode (as root, only copy-up writes one
   * where there was none), so fgetattr need not look for it.
   */
  FileHandle createdHandle(int fd, Stat st, String rel, int flags, boolean noOverride) throws ErrnoException {
    metaCopy.created(st);
    attrs.created(st);
    long ino = attrs.ino(new Entry(rel, stack.upper(), st, new int[0], false));
    FileHandle h = new FileHandle(fd, stack.upper(), ino, rel, flags, 0);
    h.noOverride = noOverride;
    return h;
  }

  /** Moves a reader of a lower file to its upper copy when the file was copied up since it last looked. */
  private void followCopyUp(FileHandle h) {
    long now = copyUp.fileCopyUps();
    if (h.copyUpsSeen == now || h.layer.upper() || stack.upper() == null) {
      return;
    }
    synchronized (h) {
      if (h.copyUpsSeen == now || h.layer.upper()) {
        return;
      }
      h.copyUpsSeen = now;
      try {
        Entry e = resolver.lookup(h.rel);
        String indexName = e != null ? indexedLower(e) : null;
        if (indexName != null && attrs.ino(e) == h.ino) {
          // another name of this lower hard link was copied up: its index entry is this file now
          int fd = fs.openBeneath(index.dirFd(), indexName, times.upperFlags(O_RDONLY), 0);
          h.retiredFd = h.fd;
          h.fd = fd;
          h.layer = stack.upper();
        } else if (e != null && e.inUpper() && !e.isDir() && !e.isMetacopy() && attrs.ino(e) == h.ino) {
          int fd = fs.openBeneath(times.upperFd(), h.rel, times.upperFlags(O_RDONLY), 0);
          h.retiredFd = h.fd;
          h.fd = fd;
          h.layer = stack.upper();
        }
      } catch (ErrnoException e) {
        // renamed or removed since: keep reading the lower file, as before
      }
    }
  }

  @Override
  public int read(OpenFile file, ByteBuffer dst, long offset) throws IOException {
    FileHandle h = (FileHandle) file;
    followCopyUp(h);
    int total = 0;
    while (dst.hasRemaining()) {
      int n = fs.pread(h.fd, dst, offset + total);
      if (n == 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  @Override
  public SpliceSource spliceSource(OpenFile file) throws IOException {
    FileHandle h = (FileHandle) file;
    followCopyUp(h);
    int fd;
    synchronized (h) { // fd and layer change together when the handle follows a copy-up
      if (h.layer.upper()) {
        return null;
      }
      fd = h.fd;
    }
    long size = h.lowerSize;
    if (size < 0) {
      size = fs.fstat(fd).size(); // a lower file does not change while mounted
      h.lowerSize = size;
    }
    return new SpliceSource(fd, size);
  }

  @Override
  public boolean linksAcrossNodes() {
    return index != null;
  }

  @Override
  public boolean readsMoveAtime(OpenFile file) {
    FileHandle h = (FileHandle) file;
    return h.layer.upper() && config.atime().mode() == Atime.Mode.STRICTATIME && (h.flags & O_NOATIME) == 0;
  }

  @Override
  public Backing backing(OpenFile file) throws IOException {
    FileHandle h = (FileHandle) file;
    if (!h.layer.upper()) {
      return null;
    }
    Stat st = fs.fstat(h.fd);
    return st.isRegular() ? new Backing(h.fd, st.dev(), st.ino(), st.nlink()) : null;
  }

  @Override
  public int write(OpenFile file, ByteBuffer src, long offset) throws IOException {
    FileHandle h = (FileHandle) file;
    if (!h.layer.upper()) {
      throw new ErrnoException(Errno.EBADF, "write (file open read-only)", "/" + h.rel);
    }
    int total = 0;
    while (src.hasRemaining()) {
      total += fs.pwrite(h.fd, src, offset + total);
    }
    return total;
  }

  @Override
  public long seekData(OpenFile file, long offset, int whence) throws IOException {
    if (whence != SEEK_DATA && whence != SEEK_HOLE) {
      throw new ErrnoException(Errno.EINVAL, "lseek", "whence " + whence);
    }
    FileHandle h = (FileHandle) file;
    followCopyUp(h);
    long r = fs.lseek(h.fd, offset, whence);
    if (r < 0) {
      throw new ErrnoException(Errno.ENXIO, "lseek", h.toString());
    }
    return r;
  }

  @Override
  public void flush(OpenFile file) {
    // nothing is buffered: every write went to the backing file
  }

  @Override
  public void fsync(OpenFile file, boolean dataOnly) throws IOException {
    FileHandle h = (FileHandle) file;
    if (dataOnly) {
      fs.fdatasync(h.fd);
    } else {
      fs.fsync(h.fd);
    }
  }

  @Override
  public void ftruncate(OpenFile file, long size) throws IOException {
    FileHandle h = (FileHandle) file;
    if (!h.layer.upper()) {
      throw new ErrnoException(Errno.EBADF, "ftruncate (file open read-only)", "/" + h.rel);
    }
    fs.ftruncate(h.fd, size);
  }

  @Override
  public void fallocate(OpenFile file, int mode, long offset, long length) throws IOException {
    FileHandle h = (FileHandle) file;
    if (!h.layer.upper()) {
      throw new ErrnoException(Errno.EBADF, "fallocate (file open read-only)", "/" + h.rel);
    }
    fs.fallocate(h.fd, mode, offset, length);
  }

  @Override
  public void release(OpenFile file) throws IOException {
    FileHandle h = (FileHandle) file;
    if (h.retiredFd >= 0) {
      fs.closeQuietly(h.retiredFd);
    }
    if (h.metaFd >= 0) {
      fs.closeQuietly(h.metaFd);
    }
    fs.close(h.fd);
  }

  @Override
  public OpenDir opendir(String path) throws IOException {
    String rel = RelPaths.of(path);
    Entry d = resolver.dir(rel);
    return new DirHandle(rel, d, attrs.ino(d));
  }

  /** ".", ".." and the merged names of directory d (at rel). */
  private List<DirEntry> listing(Entry d, String rel) throws IOException {
    Entry parent = rel.isEmpty() ? d : resolver.dir(Resolver.parentOf(rel));
    DirEntry dot = new DirEntry(".", attrs.ino(d), S_IFDIR);
    DirEntry dotdot = new DirEntry("..", attrs.ino(parent), S_IFDIR);
    List<DirEntry> body = merger.list(d); // not copied: it is either fresh or an immutable cached merge
    times.listed(d);
    return new java.util.AbstractList<DirEntry>() {
      @Override
      public DirEntry get(int i) {
        return i == 0 ? dot : i == 1 ? dotdot : body.get(i - 2);
      }

      @Override
      public int size() {
        return body.size() + 2;
      }
    };
  }

  /**
   * Readdirplus asks this for every listed name. A lower non-directory (most entries of an image) is answered
   * from the lower entry the listing carries, without resolving its path again, when that is what a lookup
   * would find: the directory's resolution is still the one of opendir, and its upper instance (if any)
   * certainly holds neither the name nor its whiteout.
   */
  @Override
  public Attr getattr(OpenDir dir, String dirPath, DirEntry e) throws IOException {
    DirHandle h = (DirHandle) dir;
    if (e.origin() instanceof LowerDirCache.LowerEntry le && le.dtype != DT_DIR && resolver.isCurrent(h.rel, h.dir)
        && (!h.dir.inUpper()
            || (!upperNames.mayHold(h.rel, e.name()) && !upperNames.mayHold(h.rel, Markers.WH_PREFIX + e.name())))
        && !isMetacopy(le) && !mayBeIndexed(le)) {
      return attrs.lowerFile(le.path(), le);
    }
    return UnionFs.super.getattr(dir, dirPath, e);
  }

  /** Whether a listed lower entry is a hard link the index may hold (then only a lookup finds what to show). */
  private boolean mayBeIndexed(LowerDirCache.LowerEntry le) throws ErrnoException {
    return index != null && Index.applies(lower.stat(lower.layerOf(le), le.path(), le));
  }

  /** Whether a listed lower entry is a metadata-only copy (then only a lookup finds what to show). */
  private boolean isMetacopy(LowerDirCache.LowerEntry le) throws ErrnoException {
    if (le.metacopy != 0 || le.dtype == DT_REG || le.dtype == DT_UNKNOWN) {
      Layer l = lower.layerOf(le);
      Stat st = lower.stat(l, le.path(), le);
      return st.isRegular() && metaCopy.isMetacopy(l, le.path(), st, le);
    }
    return false;
  }

  /** The directory's stat as resolved at opendir (its layers may no longer hold it), nlink 0. */
  @Override
  public Attr fgetattr(OpenDir dir) {
    DirHandle h = (DirHandle) dir;
    return attrs.build(h.dir.stat(), h.ino, 0, null, 0);
  }

  @Override
  public List<DirEntry> readdir(OpenDir dir, long offset) throws IOException {
    DirHandle h = (DirHandle) dir;
    if (h.entries == null || offset == 0 && h.read) {
      // the first READDIR, or rewinddir(3): POSIX wants the names made since opendir listed (xfstests generic/471
      // creates them between opendir and the first readdir), so list now, resolved again: a change below a lower
      // directory copied it up, which makes the opendir resolution stale
      Entry d;
      try {
        d = resolver.dir(h.rel);
      } catch (IOException e) {
        d = h.dir; // removed or renamed since: what it held at opendir
      }
      h.entries = listing(d, h.rel);
    }
    h.read = true;
    List<DirEntry> all = h.entries;
    if (offset >= all.size()) {
      return List.of();
    }
    return all.subList((int) Math.max(0, offset), all.size());
  }

  @Override
  public void releasedir(OpenDir dir) {
    // the snapshot holds no descriptors
  }

  @Override
  public byte[] getxattr(String path, String name) throws IOException {
    String rel = RelPaths.of(path);
    Layer up = stack.upper();
    if (up != null && !rel.isEmpty() && !Markers.isPrivateXattr(name)
        && upperNames.isReal(Resolver.parentOf(rel), Resolver.nameOf(rel))) {
      // an entry lamina made in the upper layer is the visible one (the upper layer is on top): no lookup.
      // The kernel asks for security.capability before every write, so this is the common case.
      try {
        byte[] v = fs.lgetxattr(up.fd(), rel, name);
        if (v == null) {
          throw new ErrnoException(Errno.ENODATA, "getxattr " + name, path);
        }
        return v;
      } catch (ErrnoException ex) {
        if (ex.errno() != Errno.ENOENT && ex.errno() != Errno.ENOTDIR) {
          throw ex;
        }
        // removed since: resolve it as below
      }
    }
    Entry e = resolver.require(rel);
    if (Markers.isPrivateXattr(name)) {
      throw new ErrnoException(Errno.ENODATA, "getxattr " + name, path);
    }
    byte[] v = fs.lgetxattr(e.layer().fd(), e.path(), name);
    if (v == null) {
      throw new ErrnoException(Errno.ENODATA, "getxattr " + name, path);
    }
    return v;
  }

  @Override
  public void setxattr(String path, String name, byte[] value, int flags) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("setxattr", rel);
    metadata.setxattr(rel, name, value, flags);
  }

  @Override
  public List<String> listxattr(String path) throws IOException {
    Entry e = resolver.require(RelPaths.of(path));
    List<String> names = fs.llistxattr(e.layer().fd(), e.path());
    List<String> out = new ArrayList<>(names.size());
    for (String n : names) {
      if (!Markers.isPrivateXattr(n)) {
        out.add(n);
      }
    }
    return out;
  }

  @Override
  public void removexattr(String path, String name) throws IOException {
    String rel = RelPaths.of(path);
    checkWritable("removexattr", rel);
    metadata.removexattr(rel, name);
  }

  @Override
  public StatFs statfs(String path) throws IOException {
    Layer l = stack.upper() != null ? stack.upper() : stack.get(0);
    StatVfs v = fs.fstatvfs(l.fd());
    return new StatFs(v.bsize(), v.frsize(), v.blocks(), v.bfree(), v.bavail(), v.files(), v.ffree(),
        Math.min(v.namemax(), RelPaths.NAME_MAX));
  }

  @Override
  public void access(String path, int mask) throws IOException {
    String rel = RelPaths.of(path);
    resolver.require(rel);
    if ((mask & W_OK) != 0 && stack.upper() == null) {
      throw new ErrnoException(Errno.EROFS, "access", path);
    }
  }

  /**
   * Lets later unions of this process share this one's lower-layer listings while {@code live} says its mount is
   * still there ({@link SharedListings}): a shared daemon's mount calls this once live.
   */
  @Override
  public void shareListingsWhile(java.util.function.BooleanSupplier live) {
    lower.shareWhile(live);
  }

  @Override
  public void close() {
    if (index != null) {
      index.close();
    }
    lower.close();
    times.close();
    upperDirs.close();
    stack.close();
  }
}
