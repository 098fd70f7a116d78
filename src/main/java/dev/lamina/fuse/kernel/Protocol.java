package dev.lamina.fuse.kernel;

/**
 * Numbers of the FUSE kernel protocol (linux/fuse.h, version 7.31) lamina speaks: opcodes, INIT flags,
 * SETATTR valid bits, open flags and struct sizes. Every struct is fixed-width little-endian on x86_64 and
 * arm64 alike, so no layout differs by architecture.
 */
final class Protocol {
  private Protocol() {}

  static final int MAJOR = 7;
  static final int MINOR = 31;
  static final long ROOT_ID = 1;

  // Opcodes.
  static final int LOOKUP = 1;
  static final int FORGET = 2;
  static final int GETATTR = 3;
  static final int SETATTR = 4;
  static final int READLINK = 5;
  static final int SYMLINK = 6;
  static final int MKNOD = 8;
  static final int MKDIR = 9;
  static final int UNLINK = 10;
  static final int RMDIR = 11;
  static final int RENAME = 12;
  static final int LINK = 13;
  static final int OPEN = 14;
  static final int READ = 15;
  static final int WRITE = 16;
  static final int STATFS = 17;
  static final int RELEASE = 18;
  static final int FSYNC = 20;
  static final int SETXATTR = 21;
  static final int GETXATTR = 22;
  static final int LISTXATTR = 23;
  static final int REMOVEXATTR = 24;
  static final int FLUSH = 25;
  static final int INIT = 26;
  static final int OPENDIR = 27;
  static final int READDIR = 28;
  static final int RELEASEDIR = 29;
  static final int FSYNCDIR = 30;
  static final int ACCESS = 34;
  static final int CREATE = 35;
  /** O_TMPFILE (protocol 7.37, Linux 6.1): fuse_create_in and the name "/", answered like CREATE. */
  static final int TMPFILE = 51;
  static final int INTERRUPT = 36;
  static final int DESTROY = 38;
  static final int BATCH_FORGET = 42;
  static final int FALLOCATE = 43;
  static final int READDIRPLUS = 44;
  static final int RENAME2 = 45;
  static final int LSEEK = 46;

  private static final String[] NAMES = new String[64];

  static {
    String[] names = {
      "", "LOOKUP", "FORGET", "GETATTR", "SETATTR", "READLINK", "SYMLINK", "", "MKNOD", "MKDIR", "UNLINK",
      "RMDIR", "RENAME", "LINK", "OPEN", "READ", "WRITE", "STATFS", "RELEASE", "", "FSYNC", "SETXATTR",
      "GETXATTR", "LISTXATTR", "REMOVEXATTR", "FLUSH", "INIT", "OPENDIR", "READDIR", "RELEASEDIR",
      "FSYNCDIR", "GETLK", "SETLK", "SETLKW", "ACCESS", "CREATE", "INTERRUPT", "BMAP", "DESTROY", "IOCTL",
      "POLL", "NOTIFY_REPLY", "BATCH_FORGET", "FALLOCATE", "READDIRPLUS", "RENAME2", "LSEEK",
      "COPY_FILE_RANGE", "SETUPMAPPING", "REMOVEMAPPING", "SYNCFS", "TMPFILE", "STATX"
    };
    System.arraycopy(names, 0, NAMES, 0, names.length);
  }

  /** The opcode's name for logs ("OP52" for one without a name here). */
  static String name(int opcode) {
    String n = opcode >= 0 && opcode < NAMES.length ? NAMES[opcode] : null;
    return n == null || n.isEmpty() ? "OP" + opcode : n;
  }

  // Notifications (written with unique 0; the code goes in the error field).
  static final int NOTIFY_INVAL_INODE = 2;
  static final int NOTIFY_INVAL_ENTRY = 3;

  // INIT flags.
  static final int ASYNC_READ = 1;
  static final int ATOMIC_O_TRUNC = 1 << 3;
  static final int BIG_WRITES = 1 << 5;
  /** The kernel leaves the umask to us: create, mkdir and mknod bring the caller's mode and umask apart. */
  static final int DONT_MASK = 1 << 6;
  static final int AUTO_INVAL_DATA = 1 << 12;
  static final int DO_READDIRPLUS = 1 << 13;
  static final int READDIRPLUS_AUTO = 1 << 14;
  static final int ASYNC_DIO = 1 << 15;
  static final int PARALLEL_DIROPS = 1 << 18;
  static final int MAX_PAGES = 1 << 22;
  static final int CACHE_SYMLINKS = 1 << 23;
  /** flags2 follows flags in INIT (7.36); lamina uses it for passthrough and to refuse file handles. */
  static final int INIT_EXT = 1 << 30;
  /** INIT flags2: FUSE_PASSTHROUGH (flag bit 37, Linux 6.9). */
  static final int FLAGS2_PASSTHROUGH = 1 << 5;
  /**
   * INIT flags2: FUSE_NO_EXPORT_SUPPORT (flag bit 38, Linux 6.8): the kernel encodes no file handles for
   * name_to_handle_at(2) and NFS export (only the fids fanotify uses), as kernel overlayfs without nfs_export.
   */
  static final int FLAGS2_NO_EXPORT_SUPPORT = 1 << 6;

  // SETATTR valid bits.
  static final int FATTR_MODE = 1;
  static final int FATTR_UID = 1 << 1;
  static final int FATTR_GID = 1 << 2;
  static final int FATTR_SIZE = 1 << 3;
  static final int FATTR_ATIME = 1 << 4;
  static final int FATTR_MTIME = 1 << 5;
  static final int FATTR_FH = 1 << 6;
  static final int FATTR_ATIME_NOW = 1 << 7;
  static final int FATTR_MTIME_NOW = 1 << 8;
  static final int FATTR_CTIME = 1 << 10;
  /** Sent only with FUSE_HANDLE_KILLPRIV_V2, which lamina does not ask for (see SetIdKill). */
  static final int FATTR_KILL_SUIDGID = 1 << 11;

  // fuse_open_out.open_flags.
  static final int FOPEN_DIRECT_IO = 1;
  static final int FOPEN_KEEP_CACHE = 1 << 1;
  static final int FOPEN_NOFLUSH = 1 << 5;
  /** The kernel does the file's I/O on the backing file whose id follows (fuse_open_out.backing_id). */
  static final int FOPEN_PASSTHROUGH = 1 << 7;

  /** fuse_getattr_in.getattr_flags: fh is valid. */
  static final int GETATTR_FH = 1;

  // Sizes.
  static final int IN_HEADER = 40;
  static final int OUT_HEADER = 16;
  static final int ATTR = 88;
  static final int ENTRY_OUT = 40 + ATTR;
  static final int ATTR_OUT = 16 + ATTR;
  static final int OPEN_OUT = 16;
  static final int DIRENT = 24;
  static final int INIT_OUT = 64;
  static final int KSTATFS = 80;

  /** Largest WRITE the kernel may send and READ it may ask for: 256 pages (FUSE_MAX_PAGES). */
  static final int MAX_PAGES_COUNT = 256;
  static final int MAX_IO = MAX_PAGES_COUNT * 4096;
  /** A request buffer holds the headers of the largest WRITE plus its data. */
  static final int IN_BUFFER = MAX_IO + 4096;
  static final int OUT_BUFFER = MAX_IO + 4096;
}
