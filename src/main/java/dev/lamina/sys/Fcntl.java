package dev.lamina.sys;

/**
 * Linux constants for the calls in {@link HostFs}. Most are the same on x86_64 and arm64; the open(2) flags
 * O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE differ (arm64 uses the asm-generic values), so they are
 * chosen from {@code os.arch}. Flags arriving from the kernel through FUSE use the host's values.
 */
public final class Fcntl {
  private static final boolean ARM64 =
      System.getProperty("os.arch", "").matches("aarch64|arm64");

  public static final int AT_FDCWD = -100;
  public static final int AT_SYMLINK_NOFOLLOW = 0x100;
  public static final int AT_REMOVEDIR = 0x200;
  public static final int AT_SYMLINK_FOLLOW = 0x400;
  public static final int AT_EMPTY_PATH = 0x1000;

  public static final int O_ACCMODE = 3;
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_NOCTTY = 0400;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_DSYNC = 010000;
  public static final int O_DIRECTORY = ARM64 ? 040000 : 0200000;
  public static final int O_NOFOLLOW = ARM64 ? 0100000 : 0400000;
  public static final int O_DIRECT = ARM64 ? 0200000 : 040000;
  public static final int O_LARGEFILE = ARM64 ? 0400000 : 0100000;
  public static final int O_NOATIME = 01000000;
  /** mount_setattr(2) attributes: the atime modes (relatime is 0 within MOUNT_ATTR__ATIME) and nodiratime. */
  public static final long MOUNT_ATTR_NOATIME = 0x10;
  public static final long MOUNT_ATTR_STRICTATIME = 0x20;
  public static final long MOUNT_ATTR__ATIME = 0x70;
  public static final long MOUNT_ATTR_NODIRATIME = 0x80;
  public static final int O_CLOEXEC = 02000000;
  public static final int O_SYNC = 04010000;
  public static final int O_PATH = 010000000;
  public static final int O_TMPFILE = 020000000 | O_DIRECTORY;

  public static final int S_IFMT = 0170000;
  public static final int S_IFSOCK = 0140000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFIFO = 0010000;
  public static final int S_ISUID = 04000;
  public static final int S_ISGID = 02000;
  public static final int S_ISVTX = 01000;

  /** d_type values of getdents64. */
  public static final int DT_UNKNOWN = 0;
  public static final int DT_FIFO = 1;
  public static final int DT_CHR = 2;
  public static final int DT_DIR = 4;
  public static final int DT_BLK = 6;
  public static final int DT_REG = 8;
  public static final int DT_LNK = 10;
  public static final int DT_SOCK = 12;

  public static final int RENAME_NOREPLACE = 1;
  public static final int RENAME_EXCHANGE = 2;
  public static final int RENAME_WHITEOUT = 4;

  public static final int XATTR_CREATE = 1;
  public static final int XATTR_REPLACE = 2;

  public static final int SEEK_SET = 0;
  public static final int SEEK_CUR = 1;
  public static final int SEEK_END = 2;
  public static final int SEEK_DATA = 3;
  public static final int SEEK_HOLE = 4;

  public static final int FALLOC_FL_KEEP_SIZE = 1;
  public static final int FALLOC_FL_PUNCH_HOLE = 2;

  /** openat2(2) resolve flags. */
  public static final long RESOLVE_NO_XDEV = 0x01;
  public static final long RESOLVE_NO_MAGICLINKS = 0x02;
  public static final long RESOLVE_NO_SYMLINKS = 0x04;
  public static final long RESOLVE_BENEATH = 0x08;

  public static final int R_OK = 4;
  public static final int W_OK = 2;
  public static final int X_OK = 1;
  public static final int F_OK = 0;

  private Fcntl() {}

  /** S_IFMT bits for a getdents64 d_type (0 for DT_UNKNOWN). */
  public static int modeOfDtype(int dtype) {
    return dtype == DT_UNKNOWN ? 0 : (dtype << 12);
  }

  /** getdents64 d_type for S_IFMT bits of a mode. */
  public static int dtypeOfMode(int mode) {
    return (mode & S_IFMT) >>> 12;
  }

  /** glibc's makedev(3) encoding of a dev_t. */
  public static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32)
        | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12)
        | (minor & 0xffL);
  }

  public static long major(long dev) {
    return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
  }

  public static long minor(long dev) {
    return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
  }
}
