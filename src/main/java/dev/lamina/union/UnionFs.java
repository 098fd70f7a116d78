package dev.lamina.union;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The merged filesystem, one method per FUSE operation, on paths relative to the mount root ("/" is the
 * root, "/a/b" a child). Every failure is an {@link dev.lamina.sys.ErrnoException} carrying the errno
 * the caller must see (kernel overlayfs is the reference). Implementations are thread-safe.
 *
 * <p>The FUSE adapter only translates to and from these calls; all overlay semantics live behind them.
 */
public interface UnionFs extends AutoCloseable {

  /** lstat of a merged path. */
  Attr getattr(String path) throws IOException;

  /**
   * getattr of entry e of the open directory dir, whose path is dirPath (readdirplus asks this for every
   * listed name); an implementation may answer from what its listing already found, when nothing changed.
   */
  default Attr getattr(OpenDir dir, String dirPath, DirEntry e) throws IOException {
    return getattr(dirPath.equals("/") ? "/" + e.name() : dirPath + "/" + e.name());
  }

  /** fstat of an open file (works after the file was unlinked). */
  Attr fgetattr(OpenFile file) throws IOException;

  String readlink(String path) throws IOException;

  void mknod(String path, int mode, long rdev, Caller caller) throws IOException;

  void mkdir(String path, int mode, Caller caller) throws IOException;

  void unlink(String path) throws IOException;

  void rmdir(String path) throws IOException;

  void symlink(String target, String linkPath, Caller caller) throws IOException;

  /** rename(2)/renameat2(2); flags are RENAME_NOREPLACE (1), RENAME_EXCHANGE (2), RENAME_WHITEOUT (4). */
  void rename(String from, String to, int flags) throws IOException;

  void link(String existing, String newPath) throws IOException;

  void chmod(String path, int mode) throws IOException;

  /** uid or gid -1 leaves that id unchanged. */
  void chown(String path, int uid, int gid) throws IOException;

  void truncate(String path, long size) throws IOException;

  /** utimensat semantics; a time of {@link Timespec#OMIT} leaves it, {@link Timespec#NOW} sets the clock. */
  void utimens(String path, Timespec atime, Timespec mtime) throws IOException;

  /** open(2) flags (O_ACCMODE, O_TRUNC, O_APPEND, ...); a write open copies up first. */
  OpenFile open(String path, int flags) throws IOException;

  OpenFile create(String path, int mode, int flags, Caller caller) throws IOException;

  /**
   * open(2) with O_TMPFILE in the directory dirPath: an unnamed regular file that {@link #linkOpen} may name
   * later (unless flags hold O_EXCL), gone once released without a name. EOPNOTSUPP where not supported.
   */
  default OpenFile tmpfile(String dirPath, int mode, int flags, Caller caller) throws IOException {
    throw new dev.lamina.sys.ErrnoException(dev.lamina.sys.Errno.EOPNOTSUPP, "O_TMPFILE", dirPath);
  }

  /**
   * fchmod, fchown (-1 leaves an id) and futimens of an open file that has no name any more (unlinked while
   * open, or an O_TMPFILE file): the kernel sends these without a handle, so a FUSE server finds one.
   */
  default void fchmod(OpenFile file, int mode) throws IOException {
    throw new dev.lamina.sys.ErrnoException(dev.lamina.sys.Errno.ENOENT, "chmod (the file has no name)", "");
  }

  default void fchown(OpenFile file, int uid, int gid) throws IOException {
    throw new dev.lamina.sys.ErrnoException(dev.lamina.sys.Errno.ENOENT, "chown (the file has no name)", "");
  }

  default void futimens(OpenFile file, Timespec atime, Timespec mtime) throws IOException {
    throw new dev.lamina.sys.ErrnoException(dev.lamina.sys.Errno.ENOENT, "utimens (the file has no name)", "");
  }

  /** linkat(2) of an open file that has no name (from {@link #tmpfile}) to newPath. */
  default void linkOpen(OpenFile file, String newPath) throws IOException {
    throw new dev.lamina.sys.ErrnoException(dev.lamina.sys.Errno.ENOENT, "link (the file has no name)", newPath);
  }

  /**
   * The upper-layer file behind an open file, for a FUSE server to hand its I/O to the kernel
   * (passthrough); null when the handle is on a lower layer (a later write may copy it up, which the
   * handle must follow) or is not a regular file. The descriptor stays owned by the handle.
   */
  default Backing backing(OpenFile file) throws IOException {
    return null;
  }

  /**
   * Whether one inode may have names the adapter sees as different nodes and whose link count changes with the
   * others' (index=on: a lower hard link's names not copied up yet): then no multiply-linked file's attributes may be
   * cached, since removing one name changes the count every other shows.
   */
  default boolean linksAcrossNodes() {
    return false;
  }

  /**
   * Whether every read of this open file updates its access time (strictatime on an upper file): a FUSE server
   * must then not let the kernel answer reads of a new open from pages cached before.
   */
  default boolean readsMoveAtime(OpenFile file) {
    return false;
  }

  /** An open upper file's descriptor and identity; nlink > 1 for a hard-linked one. */
  record Backing(int fd, long dev, long ino, long nlink) {}

  /**
   * Where a read of this open file may take its data straight from (a FUSE server splicing it into the
   * reply): the descriptor and the file's size, for a file that cannot change while it is read this way (a
   * lower layer's); null otherwise. The descriptor stays owned by the handle and is valid until the next call.
   */
  default SpliceSource spliceSource(OpenFile file) throws IOException {
    return null;
  }

  /** A read-only file's descriptor and size. */
  record SpliceSource(int fd, long size) {}

  /** Reads up to dst.remaining() bytes at offset; returns bytes read, 0 at end of file. */
  int read(OpenFile file, ByteBuffer dst, long offset) throws IOException;

  /** Writes src at offset (ignored for O_APPEND handles); returns bytes written. */
  int write(OpenFile file, ByteBuffer src, long offset) throws IOException;

  /** lseek(2) with SEEK_DATA or SEEK_HOLE on an open file (holes of sparse files); ENXIO past the end. */
  long seekData(OpenFile file, long offset, int whence) throws IOException;

  void flush(OpenFile file) throws IOException;

  void fsync(OpenFile file, boolean dataOnly) throws IOException;

  void ftruncate(OpenFile file, long size) throws IOException;

  void fallocate(OpenFile file, int mode, long offset, long length) throws IOException;

  void release(OpenFile file) throws IOException;

  /** Snapshot of the merged directory taken at open: offsets into it stay stable while it is open. */
  OpenDir opendir(String path) throws IOException;

  /**
   * fstat of an open directory that no longer has a name (removed, or replaced by a rename, since it was
   * opened): its attributes as of opendir, with nlink 0.
   */
  Attr fgetattr(OpenDir dir) throws IOException;

  /** Entries of an open directory from index {@code offset} on ("." and ".." first). */
  List<DirEntry> readdir(OpenDir dir, long offset) throws IOException;

  void releasedir(OpenDir dir) throws IOException;

  byte[] getxattr(String path, String name) throws IOException;

  void setxattr(String path, String name, byte[] value, int flags) throws IOException;

  List<String> listxattr(String path) throws IOException;

  void removexattr(String path, String name) throws IOException;

  StatFs statfs(String path) throws IOException;

  /** access(2) with mode R_OK/W_OK/X_OK/F_OK (W_OK on a read-only mount gives EROFS). */
  void access(String path, int mask) throws IOException;

  @Override
  void close() throws IOException;

  /**
   * The mount is live and stays so while {@code live} says: later unions of this process may share what this one
   * read of the lower layers until then (a shared daemon's mounts of one image). Nothing by default.
   */
  default void shareListingsWhile(java.util.function.BooleanSupplier live) {}

  /**
   * The caller of an operation that creates a file: new entries are owned by it. umask is the caller's umask
   * when the mode it asks is not yet masked (0: the mode is final); the upper directory's default ACL, when it
   * has one, decides instead, as on the kernel's overlayfs.
   */
  record Caller(int uid, int gid, int umask) {
    public Caller(int uid, int gid) {
      this(uid, gid, 0);
    }
  }

  /** A point in time as seconds and nanoseconds, with the two utimensat markers. */
  record Timespec(long sec, long nsec) {
    public static final long UTIME_NOW = (1L << 30) - 1;
    public static final long UTIME_OMIT = (1L << 30) - 2;
    public static final Timespec NOW = new Timespec(0, UTIME_NOW);
    public static final Timespec OMIT = new Timespec(0, UTIME_OMIT);
  }

  /**
   * What getattr returns: the stat fields FUSE passes to the kernel, and {@code linkId}: nonzero for a
   * non-directory of the upper layer, the same for every name of one upper inode and for no other. Such
   * names are one inode, as on the kernel overlay (a change through one is a change through all); names
   * with linkId 0 are not, even with one inode number (hard links inside a lower layer: a write through one
   * copies up only that one).
   */
  record Attr(
      long ino,
      int mode,
      long nlink,
      int uid,
      int gid,
      long rdev,
      long size,
      long blocks,
      int blksize,
      Timespec atime,
      Timespec mtime,
      Timespec ctime,
      long linkId) {

    /** An entry that shares its inode with no other name of a different one (linkId 0). */
    public Attr(long ino, int mode, long nlink, int uid, int gid, long rdev, long size, long blocks,
        int blksize, Timespec atime, Timespec mtime, Timespec ctime) {
      this(ino, mode, nlink, uid, gid, rdev, size, blocks, blksize, atime, mtime, ctime, 0);
    }
  }

  /**
   * One directory entry; type is the S_IFMT bits of the mode (for d_type). {@code origin} is the
   * implementation's note of where the listing found it (null for none), which {@link #getattr(OpenDir,
   * String, DirEntry)} may use; it takes no part in equality.
   */
  record DirEntry(String name, long ino, int type, Object origin) {
    public DirEntry(String name, long ino, int type) {
      this(name, ino, type, null);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DirEntry d && d.name.equals(name) && d.ino == ino && d.type == type;
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + Long.hashCode(ino) * 7 + type;
    }

    @Override
    public String toString() {
      return "DirEntry[" + name + ", ino " + ino + ", type " + Integer.toOctalString(type) + "]";
    }
  }

  /** statvfs fields. */
  record StatFs(
      long bsize, long frsize, long blocks, long bfree, long bavail, long files, long ffree,
      long namemax) {}

  /** An open file; implementations keep their backing descriptor in it. */
  interface OpenFile {}

  /** An open directory with its snapshot of merged entries. */
  interface OpenDir {}
}
