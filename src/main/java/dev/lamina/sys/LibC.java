package dev.lamina.sys;

import java.nio.ByteBuffer;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.LongLongByReference;

/**
 * Holder of the libc binding; package-private, so nothing outside sys can reach {@link LibC.Api}. (jnr-ffi
 * generates its implementation in another class loader, which needs the interface itself to be public.)
 */
final class LibC {
  private LibC() {}

/**
 * The libc functions lamina binds through jnr-ffi; only {@link JnrHostFs} calls them. Paths are
 * NUL-terminated UTF-8 byte arrays (see {@link JnrHostFs#cstr}) so file names never depend on the JVM's
 * default charset. Every function returns -1 and sets errno on failure (glibc convention).
 */
public interface Api {
  int openat(int dirfd, @In byte[] path, int flags, int mode);

  /** syscall(2); used for openat2(2), which glibc 2.36 does not wrap. Integer varargs pass in registers on x86_64 and arm64. */
  long syscall(long number, int dirfd, @In byte[] path, @In Pointer how, long size);

  /** syscall(2) for getxattrat(2) (Linux 6.13+): args is a struct xattr_args {u64 value; u32 size; u32 flags}. */
  long syscall(long number, int dirfd, @In byte[] path, int atFlags, @In byte[] name, Pointer args, long size);

  /** syscall(2) for listxattrat(2) (Linux 6.13+). */
  long syscall(long number, int dirfd, @In byte[] path, int atFlags, @Out byte[] list, long size);

  /** syscall(2) for removexattrat(2) (Linux 6.13+). */
  long syscall(long number, int dirfd, @In byte[] path, int atFlags, @In byte[] name);

  /** syscall(2) for open_tree(2) (Linux 5.2+). */
  long syscall(long number, int dirfd, @In byte[] path, int flags);

  /** syscall(2) for mount_setattr(2) (Linux 5.12+): attr is a struct mount_attr. */
  long syscall(long number, int dirfd, @In byte[] path, int flags, @In Pointer attr, long size);

  int close(int fd);

  int dup(int fd);

  int statx(int dirfd, @In byte[] path, int flags, int mask, @Out Pointer buf);

  int mkdirat(int dirfd, @In byte[] path, int mode);

  int mknodat(int dirfd, @In byte[] path, int mode, long dev);

  int unlinkat(int dirfd, @In byte[] path, int flags);

  int renameat2(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath, int flags);

  int linkat(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath, int flags);

  int symlinkat(@In byte[] target, int newdirfd, @In byte[] linkpath);

  long readlinkat(int dirfd, @In byte[] path, @Out byte[] buf, long bufsiz);

  int fchmodat(int dirfd, @In byte[] path, int mode, int flags);

  int fchmod(int fd, int mode);

  int fchownat(int dirfd, @In byte[] path, int owner, int group, int flags);

  int fchown(int fd, int owner, int group);

  /** times is struct timespec[2] = {atime.sec, atime.nsec, mtime.sec, mtime.nsec} (64-bit longs on both arches). */
  int utimensat(int dirfd, @In byte[] path, @In long[] times, int flags);

  int futimens(int fd, @In long[] times);

  long lgetxattr(@In byte[] path, @In byte[] name, @Out byte[] value, long size);

  long getxattr(@In byte[] path, @In byte[] name, @Out byte[] value, long size);

  int setxattr(@In byte[] path, @In byte[] name, @In byte[] value, long size, int flags);

  long listxattr(@In byte[] path, @Out byte[] list, long size);

  int removexattr(@In byte[] path, @In byte[] name);

  long fgetxattr(int fd, @In byte[] name, @Out byte[] value, long size);

  int lsetxattr(@In byte[] path, @In byte[] name, @In byte[] value, long size, int flags);

  int fsetxattr(int fd, @In byte[] name, @In byte[] value, long size, int flags);

  long llistxattr(@In byte[] path, @Out byte[] list, long size);

  long flistxattr(int fd, @Out byte[] list, long size);

  int lremovexattr(@In byte[] path, @In byte[] name);

  int fremovexattr(int fd, @In byte[] name);

  long pread(int fd, @Out ByteBuffer buf, long count, long offset);

  long pwrite(int fd, @In ByteBuffer buf, long count, long offset);

  long pread(int fd, @Out Pointer buf, long count, long offset);

  long pwrite(int fd, @In Pointer buf, long count, long offset);

  int fsync(int fd);

  int fdatasync(int fd);

  int ftruncate(int fd, long length);

  int fallocate(int fd, int mode, long offset, long len);

  int fstatvfs(int fd, @Out Pointer buf);

  long getdents64(int fd, @Out Pointer buf, long count);

  long lseek(int fd, long offset, int whence);

  long copy_file_range(
      int fdIn, LongLongByReference offIn, int fdOut, LongLongByReference offOut, long len, int flags);

  long sendfile(int outFd, int inFd, LongLongByReference offset, long count);

  /** handle is a struct file_handle: u32 handle_bytes (in: room, out: used), int handle_type, f_handle. */
  int name_to_handle_at(int dirfd, @In byte[] path, Pointer handle, @Out int[] mountId, int flags);

  int open_by_handle_at(int mountFd, @In Pointer handle, int flags);

  /** ioctl(2) whose argument is a buffer the kernel fills (FS_IOC_GETFSUUID). */
  int ioctl(int fd, long request, @Out byte[] arg);

  int geteuid();

  int getegid();
}
}
