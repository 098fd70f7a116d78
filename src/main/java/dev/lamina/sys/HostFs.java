package dev.lamina.sys;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The host filesystem calls lamina needs, fd-relative so that backing paths longer than PATH_MAX work. Every
 * failure is an {@link ErrnoException} naming the call and the path. Paths are UTF-8; a {@code dirfd} of
 * {@link Fcntl#AT_FDCWD} makes them ordinary (absolute or cwd-relative) paths. Thread-safe.
 */
public interface HostFs {

  /** The jnr-ffi implementation bound to the host's libc. */
  static HostFs get() {
    return JnrHostFs.instance();
  }

  /** openat(2); O_CLOEXEC is always added. */
  int openat(int dirfd, String path, int flags, int mode) throws ErrnoException;

  /**
   * Opens {@code path} below {@code dirfd} without following any symlink and without leaving the tree:
   * openat2(2) with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, or a component-by-component openat(O_NOFOLLOW)
   * walk on kernels without openat2. A symlink as the last component opens only with O_PATH|O_NOFOLLOW
   * (otherwise ELOOP); a ".." component gives EXDEV (openat2's answer for an escape).
   */
  int openBeneath(int dirfd, String path, int flags, int mode) throws ErrnoException;

  void close(int fd) throws ErrnoException;

  /** close(2) that only logs a failure; for cleanup paths after another error. */
  void closeQuietly(int fd);

  int dup(int fd) throws ErrnoException;

  /** statx(2) with {@code flags} (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH); an empty path stats dirfd itself. */
  Stat stat(int dirfd, String path, int flags) throws ErrnoException;

  /** statx without following a final symlink. */
  Stat lstat(int dirfd, String path) throws ErrnoException;

  /**
   * Like {@link #lstat} but returns null instead of throwing for ENOENT, ENOTDIR and ENAMETOOLONG (lookups
   * of names that do not or cannot exist, such as a {@code .wh.} prefix on a 255-byte name).
   */
  Stat lstatOrNull(int dirfd, String path) throws ErrnoException;

  Stat fstat(int fd) throws ErrnoException;

  void mkdirat(int dirfd, String path, int mode) throws ErrnoException;

  /** mknodat(2); {@code dev} in makedev encoding ({@link Fcntl#makedev}). */
  void mknodat(int dirfd, String path, int mode, long dev) throws ErrnoException;

  void unlinkat(int dirfd, String path, int flags) throws ErrnoException;

  /** renameat2(2) with RENAME_NOREPLACE / RENAME_EXCHANGE / RENAME_WHITEOUT. */
  void renameat2(int oldDirfd, String oldPath, int newDirfd, String newPath, int flags)
      throws ErrnoException;

  void linkat(int oldDirfd, String oldPath, int newDirfd, String newPath, int flags)
      throws ErrnoException;

  void symlinkat(String target, int dirfd, String path) throws ErrnoException;

  String readlinkat(int dirfd, String path) throws ErrnoException;

  void fchmodat(int dirfd, String path, int mode, int flags) throws ErrnoException;

  void fchmod(int fd, int mode) throws ErrnoException;

  /** fchownat(2); -1 leaves an id unchanged; AT_SYMLINK_NOFOLLOW changes a symlink itself. */
  void fchownat(int dirfd, String path, int uid, int gid, int flags) throws ErrnoException;

  void fchown(int fd, int uid, int gid) throws ErrnoException;

  /**
   * utimensat(2) with nanoseconds; a nsec of UTIME_NOW / UTIME_OMIT has its usual meaning. An empty path
   * sets the times of dirfd itself (an O_PATH fd is fine).
   */
  void utimensat(
      int dirfd, String path, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, int flags)
      throws ErrnoException;

  void futimens(int fd, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec)
      throws ErrnoException;

  /** lgetxattr(2) of {@code path} below dirfd (not following it); null when the attribute is absent (ENODATA). */
  byte[] lgetxattr(int dirfd, String path, String name) throws ErrnoException;

  /** fgetxattr(2); null when absent. */
  byte[] fgetxattr(int fd, String name) throws ErrnoException;

  /** lsetxattr(2); flags XATTR_CREATE / XATTR_REPLACE or 0. */
  void lsetxattr(int dirfd, String path, String name, byte[] value, int flags) throws ErrnoException;

  void fsetxattr(int fd, String name, byte[] value, int flags) throws ErrnoException;

  List<String> llistxattr(int dirfd, String path) throws ErrnoException;

  List<String> flistxattr(int fd) throws ErrnoException;

  void lremovexattr(int dirfd, String path, String name) throws ErrnoException;

  void fremovexattr(int fd, String name) throws ErrnoException;

  /** pread(2) into dst's remaining bytes (direct or heap); advances dst's position; 0 at end of file. */
  int pread(int fd, ByteBuffer dst, long offset) throws ErrnoException;

  /** pwrite(2) of src's remaining bytes; advances src's position by the bytes written. */
  int pwrite(int fd, ByteBuffer src, long offset) throws ErrnoException;

  void fsync(int fd) throws ErrnoException;

  void fdatasync(int fd) throws ErrnoException;

  void ftruncate(int fd, long size) throws ErrnoException;

  void fallocate(int fd, int mode, long offset, long length) throws ErrnoException;

  StatVfs fstatvfs(int fd) throws ErrnoException;

  /** lseek(2) (SEEK_DATA / SEEK_HOLE included); ENXIO past the last data is returned as -1, not thrown. */
  long lseek(int fd, long offset, int whence) throws ErrnoException;

  /** copy_file_range(2) once; returns bytes copied (0 at end). EXDEV/EOPNOTSUPP/ENOSYS are thrown. */
  long copyFileRange(int fdIn, long offIn, int fdOut, long offOut, long length) throws ErrnoException;

  /**
   * sendfile(2) once: up to length bytes of fdIn from offIn (its file position unchanged) to fdOut at fdOut's
   * file position, which moves on; returns bytes copied (0 at end). The kernel copies between any two file
   * systems (a pipe inside), where copy_file_range answers EXDEV.
   */
  long sendfile(int fdOut, int fdIn, long offIn, long length) throws ErrnoException;

  /** All entries of an open directory fd (from its start, "." and ".." left out), with d_type. */
  List<DirEnt> readdir(int dirFd) throws ErrnoException;

  /**
   * Opens {@code path} below dirfd as a directory (no symlinks followed), lists it, closes it; with O_NOATIME
   * where allowed, so the listing leaves the directory's access time.
   */
  List<DirEnt> listdir(int dirfd, String path) throws ErrnoException;

  /**
   * A private clone of the mount that dirfd's directory is on, rooted at that directory (open_tree(2) with
   * OPEN_TREE_CLONE), with the atime flags {@code attrSet} set and {@code attrClr} cleared (mount_setattr(2),
   * MOUNT_ATTR_*): files opened below the returned fd have their access times updated by that mount's rules.
   * Needs CAP_SYS_ADMIN over the mount namespace and Linux 5.12; the clone goes away with its last fd.
   */
  int cloneMount(int dirfd, long attrSet, long attrClr) throws ErrnoException;

  /**
   * Reads a byte of the file, or lists a little of the directory, at path below dirfd (not following a final
   * symlink), so that the kernel updates its access time as the mount of dirfd decides; changes nothing else.
   */
  void touchAtime(int dirfd, String path, boolean dir) throws ErrnoException;

  /**
   * Gives the open file fd (an O_TMPFILE file, or one whose names are all gone) the name newPath below newDirfd:
   * linkat(fd, "", ..., AT_EMPTY_PATH), which needs CAP_DAC_READ_SEARCH, else through /proc/self/fd/N with
   * AT_SYMLINK_FOLLOW. ENOENT for a file that may not get a name again (O_TMPFILE with O_EXCL, or unlinked).
   */
  void linkFd(int fd, int newDirfd, String newPath) throws ErrnoException;

  /**
   * name_to_handle_at(2) of path below dirfd, not following a final symlink (an empty path: dirfd itself). Needs
   * no privilege; EOPNOTSUPP where the filesystem cannot make handles.
   */
  FileHandle nameToHandle(int dirfd, String path) throws ErrnoException;

  /**
   * open_by_handle_at(2): opens the inode h names on the filesystem of mountFd (any fd there, O_PATH too) with
   * flags (O_PATH is enough to fstat it). Needs CAP_DAC_READ_SEARCH (EPERM without); ESTALE once the inode is gone.
   */
  int openByHandle(int mountFd, FileHandle h, int flags) throws ErrnoException;

  /**
   * The UUID of the filesystem fd is on, as its superblock holds it ({@code s_uuid}, FS_IOC_GETFSUUID, Linux 6.5+):
   * 16 bytes, all zero for a filesystem without one (ENOTTY), as the kernel's overlayfs then records it. fd may be
   * an O_PATH fd (the call opens the directory itself for the ioctl).
   */
  byte[] fsUuid(int fd) throws ErrnoException;

  int geteuid();

  int getegid();
}
