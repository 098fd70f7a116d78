package dev.lamina.sys;

/**
 * Linux errno values. They are the same on x86_64 and arm64 (both use asm-generic/errno*.h).
 */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int ENXIO = 6;
  public static final int E2BIG = 7;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EFAULT = 14;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int EXDEV = 18;
  public static final int ENODEV = 19;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int ENFILE = 23;
  public static final int EMFILE = 24;
  public static final int ENOTTY = 25;
  public static final int ETXTBSY = 26;
  public static final int EFBIG = 27;
  public static final int ENOSPC = 28;
  public static final int ESPIPE = 29;
  public static final int EROFS = 30;
  public static final int EMLINK = 31;
  public static final int EPIPE = 32;
  public static final int ERANGE = 34;
  public static final int ENAMETOOLONG = 36;
  public static final int ENOSYS = 38;
  public static final int ESTALE = 116;
  public static final int ENOTEMPTY = 39;
  public static final int ELOOP = 40;
  public static final int ENODATA = 61;
  public static final int EOVERFLOW = 75;
  public static final int EOPNOTSUPP = 95;
  public static final int ENOTSUP = EOPNOTSUPP;
  public static final int EDQUOT = 122;

  private Errno() {}

  /** A short name and text for logs and messages, e.g. {@code "ENOENT (No such file or directory)"}. */
  public static String describe(int errno) {
    return switch (errno) {
      case EPERM -> "EPERM (Operation not permitted)";
      case ENOENT -> "ENOENT (No such file or directory)";
      case EIO -> "EIO (Input/output error)";
      case EACCES -> "EACCES (Permission denied)";
      case EEXIST -> "EEXIST (File exists)";
      case EXDEV -> "EXDEV (Invalid cross-device link)";
      case ENOTDIR -> "ENOTDIR (Not a directory)";
      case EISDIR -> "EISDIR (Is a directory)";
      case EINVAL -> "EINVAL (Invalid argument)";
      case ENOSPC -> "ENOSPC (No space left on device)";
      case EROFS -> "EROFS (Read-only file system)";
      case ENAMETOOLONG -> "ENAMETOOLONG (File name too long)";
      case ENOTEMPTY -> "ENOTEMPTY (Directory not empty)";
      case ELOOP -> "ELOOP (Too many levels of symbolic links)";
      case ENODATA -> "ENODATA (No data available)";
      case ENOTSUP -> "EOPNOTSUPP (Operation not supported)";
      case ERANGE -> "ERANGE (Numerical result out of range)";
      case EBADF -> "EBADF (Bad file descriptor)";
      case EBUSY -> "EBUSY (Device or resource busy)";
      case EMLINK -> "EMLINK (Too many links)";
      case ENOSYS -> "ENOSYS (Function not implemented)";
      case ESTALE -> "ESTALE (Stale file handle)";
      default -> "errno " + errno;
    };
  }
}
