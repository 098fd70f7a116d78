package dev.lamina.sys;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.LongLongByReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link HostFs} over glibc through jnr-ffi: checks every -1, reads errno, throws {@link ErrnoException}. */
final class JnrHostFs implements HostFs {
  private static final Logger log = LoggerFactory.getLogger(JnrHostFs.class);

  /** openat2 is syscall 437 on every architecture (it was added after the syscall tables were unified). */
  private static final long SYS_OPENAT2 = 437;
  /** setxattrat, getxattrat, listxattrat and removexattrat (Linux 6.13): also the same number everywhere. */
  private static final long SYS_SETXATTRAT = 463;
  private static final long SYS_GETXATTRAT = 464;
  private static final long SYS_LISTXATTRAT = 465;
  private static final long SYS_REMOVEXATTRAT = 466;
  /** Value bytes getxattrat reads into the thread's buffer; a longer value takes the path-based call. */
  private static final int XATTR_INLINE = 4096;

  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final int STATX_SIZE = 256;
  private static final int STATVFS_SIZE = 112;
  private static final int DENTS_BUF = 64 * 1024;
  private static final byte[] EMPTY = {0};

  private static volatile JnrHostFs instance;

  private final LibC.Api libc;
  private final Runtime runtime;
  private volatile boolean openat2Works = true;
  /**
   * Whether the *xattrat calls exist (else ENOSYS once). Without them an xattr of a path below a directory fd
   * goes through /proc/self/fd/N/PATH, whose walk through procfs cost twice the getxattr itself.
   */
  private volatile boolean xattratWorks = true;
  /**
   * Whether utimensat takes AT_EMPTY_PATH (Linux 5.8; else EINVAL once): the times of a directory fd, also an
   * O_PATH one, without the walk through /proc/self/fd that copy-up paid for each parent it restores.
   */
  private volatile boolean utimensEmptyPathWorks = true;
  private final ThreadLocal<Pointer> xattrBuf;
  private final ThreadLocal<Pointer> statxBuf;
  private final ThreadLocal<Pointer> dentsBuf;
  private final ThreadLocal<Pointer> howBuf;

  private JnrHostFs() {
    libc = LibraryLoader.create(LibC.Api.class).load("c");
    runtime = Runtime.getRuntime(libc);
    statxBuf = ThreadLocal.withInitial(() -> Memory.allocateDirect(runtime, STATX_SIZE));
    dentsBuf = ThreadLocal.withInitial(() -> Memory.allocateDirect(runtime, DENTS_BUF));
    howBuf = ThreadLocal.withInitial(() -> Memory.allocateDirect(runtime, 24));
    xattrBuf = ThreadLocal.withInitial(() -> Memory.allocateDirect(runtime, 16 + XATTR_INLINE));
  }

  static JnrHostFs instance() {
    JnrHostFs i = instance;
    if (i == null) {
      synchronized (JnrHostFs.class) {
        i = instance;
        if (i == null) {
          instance = i = new JnrHostFs();
        }
      }
    }
    return i;
  }

  /** A NUL-terminated copy of the name's bytes ({@link FileNames}: exact, also for bytes that are not UTF-8). */
  static byte[] cstr(String s) {
    int n = s.length();
    byte[] c = new byte[n + 1];
    for (int i = 0; i < n; i++) {
      char ch = s.charAt(i);
      if (ch >= 0x80) {
        return cstrEncoded(s); // most names are ASCII: one array, no second copy
      }
      c[i] = (byte) ch;
    }
    return c;
  }

  private static byte[] cstrEncoded(String s) {
    byte[] b = FileNames.encode(s);
    byte[] c = new byte[b.length + 1];
    System.arraycopy(b, 0, c, 0, b.length);
    return c;
  }

  private ErrnoException fail(String op, String path) {
    return new ErrnoException(runtime.getLastError(), op, path);
  }

  // The context of an error message is built only when the call failed: these run on every system call.

  private int checkFd(int rc, String op, int fd) throws ErrnoException {
    if (rc < 0) {
      throw fail(op, "fd " + fd);
    }
    return rc;
  }

  private long checkFd(long rc, String op, int fd) throws ErrnoException {
    if (rc < 0) {
      throw fail(op, "fd " + fd);
    }
    return rc;
  }

  /** For an xattr call: the message names the attribute. */
  private long checkFd(long rc, String op, String name, int fd) throws ErrnoException {
    if (rc < 0) {
      throw fail(op + " " + name, "fd " + fd);
    }
    return rc;
  }

  /** For a call from one descriptor to another. */
  private long checkFd(long rc, String op, int from, int to) throws ErrnoException {
    if (rc < 0) {
      throw fail(op, "fd " + from + " -> fd " + to);
    }
    return rc;
  }

  private int checkAt(int rc, String op, int dirfd, String path) throws ErrnoException {
    if (rc < 0) {
      throw fail(op, where(dirfd, path));
    }
    return rc;
  }

  private long checkAt(long rc, String op, int dirfd, String path) throws ErrnoException {
    if (rc < 0) {
      throw fail(op, where(dirfd, path));
    }
    return rc;
  }

  /** For an xattr call: the message names the attribute. */
  private long checkAt(long rc, String op, String name, int dirfd, String path) throws ErrnoException {
    if (rc < 0) {
      throw fail(op + " " + name, where(dirfd, path));
    }
    return rc;
  }

  /** For a call on two paths (rename, link). */
  private long checkAt(long rc, String op, int dirfd, String path, int toDirfd, String toPath) throws ErrnoException {
    if (rc < 0) {
      throw fail(op, where(dirfd, path) + " -> " + where(toDirfd, toPath));
    }
    return rc;
  }

  private static String where(int dirfd, String path) {
    return dirfd == Fcntl.AT_FDCWD ? path : "fd " + dirfd + ":" + path;
  }

  /**
   * The path an l*xattr call needs for (dirfd, path): xattr calls have no *at form before Linux 6.13, so the
   * directory fd is reached through /proc/self/fd (short, whatever the length of the real path).
   */
  private static boolean viaMagicLink(int dirfd, String path) {
    return dirfd != Fcntl.AT_FDCWD && path.isEmpty();
  }

  private static String xattrPath(int dirfd, String path) {
    if (dirfd == Fcntl.AT_FDCWD) {
      return path;
    }
    return path.isEmpty() ? "/proc/self/fd/" + dirfd : "/proc/self/fd/" + dirfd + "/" + path;
  }

  /**
   * The longest path handed to one syscall. PATH_MAX (4096 with the NUL) bounds every path argument, but a
   * path below a layer root can be longer (a deep tree reached through a process's working directory); the
   * margin leaves room for the {@code /proc/self/fd/N/} prefix of the xattr fallbacks.
   */
  static final int PATH_LIMIT = 4000;

  /** Whether path is over {@link #PATH_LIMIT} bytes (a name's exact bytes, {@link FileNames}; at most 3 per Java char). */
  static boolean isLong(String path) {
    return path.length() > PATH_LIMIT / 3 && FileNames.encode(path).length > PATH_LIMIT;
  }

  /**
   * The index of the last '/' in path that leaves at most {@link #PATH_LIMIT} bytes before it, -1 when
   * there is none (a name longer than that, which no file system allows).
   */
  static int cut(String path) {
    int bytes = 0;
    int last = -1;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '/') {
        last = i;
      }
      bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
      if (bytes > PATH_LIMIT) {
        break;
      }
    }
    return last;
  }

  /** A long (dirfd, path) as the fd of a directory on the way and the rest; close() closes that fd. */
  private final class Near implements AutoCloseable {
    final int fd;
    final String path;
    private final boolean owned;

    Near(int fd, String path, boolean owned) {
      this.fd = fd;
      this.path = path;
      this.owned = owned;
    }

    @Override
    public void close() {
      if (owned) {
        closeQuietly(fd);
      }
    }
  }

  /**
   * Brings (dirfd, path) under {@link #PATH_LIMIT} by opening its leading directories (O_PATH, as much of
   * them per call as fits; beneath dirfd without symlinks when {@code beneath}, as openBeneath resolves).
   */
  private Near near(int dirfd, String path, boolean beneath) throws ErrnoException {
    int cur = dirfd;
    String rest = path;
    try {
      while (isLong(rest)) {
        int cut = cut(rest);
        if (cut <= 0) {
          throw new ErrnoException(Errno.ENAMETOOLONG, "openat", where(dirfd, path));
        }
        String prefix = rest.substring(0, cut);
        int flags = Fcntl.O_PATH | Fcntl.O_DIRECTORY;
        int next = beneath ? openBeneath(cur, prefix, flags, 0) : openat(cur, prefix, flags, 0);
        if (cur != dirfd) {
          closeQuietly(cur);
        }
        cur = next;
        rest = rest.substring(cut + 1);
      }
      return new Near(cur, rest, cur != dirfd);
    } catch (ErrnoException e) {
      if (cur != dirfd) {
        closeQuietly(cur);
      }
      throw e;
    }
  }

  @Override
  public int openat(int dirfd, String path, int flags, int mode) throws ErrnoException {
    if ((flags & Fcntl.O_NOATIME) != 0) {
      try {
        return openat0(dirfd, path, flags, mode);
      } catch (ErrnoException e) {
        if (e.errno() != Errno.EPERM) {
          throw e;
        }
        // O_NOATIME needs the file's owner or CAP_FOWNER: open it plainly then
        return openat0(dirfd, path, flags & ~Fcntl.O_NOATIME, mode);
      }
    }
    return openat0(dirfd, path, flags, mode);
  }

  private int openat0(int dirfd, String path, int flags, int mode) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        return openat(n.fd, n.path, flags, mode);
      }
    }
    return checkAt(libc.openat(dirfd, cstr(path), flags | Fcntl.O_CLOEXEC, mode), "openat", dirfd, path);
  }

  @Override
  public int openBeneath(int dirfd, String path, int flags, int mode) throws ErrnoException {
    if ((flags & Fcntl.O_NOATIME) != 0) {
      try {
        return openBeneath0(dirfd, path, flags, mode);
      } catch (ErrnoException e) {
        if (e.errno() != Errno.EPERM) {
          throw e;
        }
        return openBeneath0(dirfd, path, flags & ~Fcntl.O_NOATIME, mode); // not the owner: see openat
      }
    }
    return openBeneath0(dirfd, path, flags, mode);
  }

  private int openBeneath0(int dirfd, String path, int flags, int mode) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, true)) {
        return openBeneath(n.fd, n.path, flags, mode);
      }
    }
    String p = path.isEmpty() ? "." : path;
    if (openat2Works) {
      Pointer how = howBuf.get();
      boolean creating = (flags & (Fcntl.O_CREAT | Fcntl.O_TMPFILE)) != 0;
      how.putLong(0, (flags | Fcntl.O_CLOEXEC) & 0xffffffffL);
      how.putLong(8, creating ? mode : 0);
      how.putLong(
          16, Fcntl.RESOLVE_BENEATH | Fcntl.RESOLVE_NO_SYMLINKS | Fcntl.RESOLVE_NO_MAGICLINKS);
      byte[] cp = cstr(p);
      for (int attempt = 0; ; attempt++) {
        long fd = libc.syscall(SYS_OPENAT2, dirfd, cp, how, 24);
        if (fd >= 0) {
          return (int) fd;
        }
        int errno = runtime.getLastError();
        if (errno == Errno.EAGAIN && attempt < 16) {
          continue; // a concurrent rename somewhere on the host; openat2 asks to retry
        }
        if (errno == Errno.ENOSYS || errno == Errno.EPERM && attempt == 0 && probeOpenat2Missing()) {
          openat2Works = false;
          log.info("openat2(2) unavailable; resolving paths component by component");
          break;
        }
        throw new ErrnoException(errno, "openat2", where(dirfd, path));
      }
    }
    return walkBeneath(dirfd, p, flags, mode);
  }

  /** Seccomp filters (some container runtimes) answer EPERM for unknown syscalls; tell that from a real EPERM. */
  private boolean probeOpenat2Missing() {
    Pointer how = Memory.allocateDirect(runtime, 24);
    how.putLong(0, Fcntl.O_PATH | Fcntl.O_CLOEXEC);
    how.putLong(8, 0);
    how.putLong(16, 0);
    long fd = libc.syscall(SYS_OPENAT2, Fcntl.AT_FDCWD, cstr("/"), how, 24);
    if (fd >= 0) {
      libc.close((int) fd);
      return false;
    }
    return true;
  }

  private int walkBeneath(int dirfd, String path, int flags, int mode) throws ErrnoException {
    String[] parts = path.split("/");
    int cur = dirfd;
    try {
      for (int i = 0; i < parts.length - 1; i++) {
        String c = parts[i];
        if (c.isEmpty() || c.equals(".")) {
          continue;
        }
        if (c.equals("..")) {
          throw new ErrnoException(Errno.EXDEV, "openat", where(dirfd, path));
        }
        int next =
            libc.openat(
                cur, cstr(c), Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC, 0);
        if (next < 0) {
          int errno = runtime.getLastError();
          throw new ErrnoException(errno == Errno.ENOTDIR ? Errno.ELOOP : errno, "openat", where(dirfd, path));
        }
        if (cur != dirfd) {
          libc.close(cur);
        }
        cur = next;
      }
      String last = parts.length == 0 ? "." : parts[parts.length - 1];
      if (last.equals("..")) {
        throw new ErrnoException(Errno.EXDEV, "openat", where(dirfd, path));
      }
      return checkAt(
          libc.openat(cur, cstr(last), flags | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC, mode), "openat", dirfd, path);
    } finally {
      if (cur != dirfd) {
        libc.close(cur);
      }
    }
  }

  @Override
  public void close(int fd) throws ErrnoException {
    checkFd(libc.close(fd), "close", fd);
  }

  @Override
  public void closeQuietly(int fd) {
    if (fd >= 0 && libc.close(fd) < 0) {
      log.warn("close of fd {} failed: {}", fd, Errno.describe(runtime.getLastError()));
    }
  }

  @Override
  public int dup(int fd) throws ErrnoException {
    return checkFd(libc.dup(fd), "dup", fd);
  }

  @Override
  public Stat stat(int dirfd, String path, int flags) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        return stat(n.fd, n.path, flags);
      }
    }
    Pointer buf = statxBuf.get();
    int f = path.isEmpty() ? flags | Fcntl.AT_EMPTY_PATH : flags;
    checkAt(libc.statx(dirfd, path.isEmpty() ? EMPTY : cstr(path), f, STATX_BASIC_STATS, buf), "statx", dirfd, path);
    return decodeStatx(buf);
  }

  @Override
  public Stat lstat(int dirfd, String path) throws ErrnoException {
    return stat(dirfd, path, Fcntl.AT_SYMLINK_NOFOLLOW);
  }

  @Override
  public Stat lstatOrNull(int dirfd, String path) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        return lstatOrNull(n.fd, n.path);
      }
    }
    Pointer buf = statxBuf.get();
    int f = Fcntl.AT_SYMLINK_NOFOLLOW | (path.isEmpty() ? Fcntl.AT_EMPTY_PATH : 0);
    if (libc.statx(dirfd, path.isEmpty() ? EMPTY : cstr(path), f, STATX_BASIC_STATS, buf) < 0) {
      int errno = runtime.getLastError();
      if (errno == Errno.ENOENT || errno == Errno.ENOTDIR || errno == Errno.ENAMETOOLONG) {
        return null;
      }
      throw new ErrnoException(errno, "statx", where(dirfd, path));
    }
    return decodeStatx(buf);
  }

  @Override
  public Stat fstat(int fd) throws ErrnoException {
    Pointer buf = statxBuf.get();
    checkFd(libc.statx(fd, EMPTY, Fcntl.AT_EMPTY_PATH | Fcntl.AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf), "statx", fd);
    return decodeStatx(buf);
  }

  /** struct statx (include/uapi/linux/stat.h) has one layout on all architectures; offsets in native-notes.md. */
  private static Stat decodeStatx(Pointer b) {
    int blksize = b.getInt(4);
    long nlink = b.getInt(16) & 0xffffffffL;
    int uid = b.getInt(20);
    int gid = b.getInt(24);
    int mode = b.getShort(28) & 0xffff;
    long ino = b.getLong(32);
    long size = b.getLong(40);
    long blocks = b.getLong(48);
    long atimeSec = b.getLong(64);
    long atimeNsec = b.getInt(72) & 0xffffffffL;
    long ctimeSec = b.getLong(96);
    long ctimeNsec = b.getInt(104) & 0xffffffffL;
    long mtimeSec = b.getLong(112);
    long mtimeNsec = b.getInt(120) & 0xffffffffL;
    long rdev = Fcntl.makedev(b.getInt(128) & 0xffffffffL, b.getInt(132) & 0xffffffffL);
    long dev = Fcntl.makedev(b.getInt(136) & 0xffffffffL, b.getInt(140) & 0xffffffffL);
    return new Stat(dev, ino, mode, nlink, uid, gid, rdev, size, blocks, blksize,
        atimeSec, atimeNsec, mtimeSec, mtimeNsec, ctimeSec, ctimeNsec);
  }

  @Override
  public void mkdirat(int dirfd, String path, int mode) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        mkdirat(n.fd, n.path, mode);
      }
      return;
    }
    checkAt(libc.mkdirat(dirfd, cstr(path), mode), "mkdirat", dirfd, path);
  }

  @Override
  public void mknodat(int dirfd, String path, int mode, long dev) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        mknodat(n.fd, n.path, mode, dev);
      }
      return;
    }
    checkAt(libc.mknodat(dirfd, cstr(path), mode, dev), "mknodat", dirfd, path);
  }

  @Override
  public void unlinkat(int dirfd, String path, int flags) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        unlinkat(n.fd, n.path, flags);
      }
      return;
    }
    checkAt(libc.unlinkat(dirfd, cstr(path), flags), "unlinkat", dirfd, path);
  }

  @Override
  public void renameat2(int oldDirfd, String oldPath, int newDirfd, String newPath, int flags)
      throws ErrnoException {
    if (isLong(oldPath) || isLong(newPath)) {
      try (Near o = near(oldDirfd, oldPath, false); Near n = near(newDirfd, newPath, false)) {
        renameat2(o.fd, o.path, n.fd, n.path, flags);
      }
      return;
    }
    checkAt(libc.renameat2(oldDirfd, cstr(oldPath), newDirfd, cstr(newPath), flags), "renameat2", oldDirfd, oldPath, newDirfd, newPath);
  }

  @Override
  public void linkat(int oldDirfd, String oldPath, int newDirfd, String newPath, int flags)
      throws ErrnoException {
    if (isLong(oldPath) || isLong(newPath)) {
      try (Near o = near(oldDirfd, oldPath, false); Near n = near(newDirfd, newPath, false)) {
        linkat(o.fd, o.path, n.fd, n.path, flags);
      }
      return;
    }
    byte[] op = oldPath.isEmpty() ? EMPTY : cstr(oldPath);
    checkAt(libc.linkat(oldDirfd, op, newDirfd, cstr(newPath), flags), "linkat", oldDirfd, oldPath, newDirfd, newPath);
  }

  @Override
  public void symlinkat(String target, int dirfd, String path) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        symlinkat(target, n.fd, n.path);
      }
      return;
    }
    checkAt(libc.symlinkat(cstr(target), dirfd, cstr(path)), "symlinkat", dirfd, path);
  }

  @Override
  public String readlinkat(int dirfd, String path) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        return readlinkat(n.fd, n.path);
      }
    }
    byte[] p = path.isEmpty() ? EMPTY : cstr(path);
    for (int size = 256; ; size *= 4) {
      byte[] buf = new byte[size];
      long n = checkAt(libc.readlinkat(dirfd, p, buf, size), "readlinkat", dirfd, path);
      if (n < size) {
        return FileNames.decode(buf, 0, (int) n);
      }
    }
  }

  @Override
  public void fchmodat(int dirfd, String path, int mode, int flags) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        fchmodat(n.fd, n.path, mode, flags);
      }
      return;
    }
    checkAt(libc.fchmodat(dirfd, cstr(path), mode, flags), "fchmodat", dirfd, path);
  }

  @Override
  public void fchmod(int fd, int mode) throws ErrnoException {
    checkFd(libc.fchmod(fd, mode), "fchmod", fd);
  }

  @Override
  public void fchownat(int dirfd, String path, int uid, int gid, int flags) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        fchownat(n.fd, n.path, uid, gid, flags);
      }
      return;
    }
    byte[] p = path.isEmpty() ? EMPTY : cstr(path);
    int f = path.isEmpty() ? flags | Fcntl.AT_EMPTY_PATH : flags;
    checkAt(libc.fchownat(dirfd, p, uid, gid, f), "fchownat", dirfd, path);
  }

  @Override
  public void fchown(int fd, int uid, int gid) throws ErrnoException {
    checkFd(libc.fchown(fd, uid, gid), "fchown", fd);
  }

  @Override
  public void utimensat(int dirfd, String path, long aSec, long aNsec, long mSec, long mNsec, int flags)
      throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        utimensat(n.fd, n.path, aSec, aNsec, mSec, mNsec, flags);
      }
      return;
    }
    long[] times = {aSec, aNsec, mSec, mNsec};
    if (path.isEmpty() && dirfd != Fcntl.AT_FDCWD) {
      // dirfd itself, also when it is an O_PATH fd (futimens needs a real open file)
      if (utimensEmptyPathWorks) {
        if (libc.utimensat(dirfd, EMPTY, times, Fcntl.AT_EMPTY_PATH) == 0) {
          return;
        }
        int errno = runtime.getLastError();
        if (errno != Errno.EINVAL) {
          throw new ErrnoException(errno, "utimensat", "fd " + dirfd);
        }
        utimensEmptyPathWorks = false; // an older kernel: through the fd's magic link
      }
      checkFd(libc.utimensat(Fcntl.AT_FDCWD, cstr("/proc/self/fd/" + dirfd), times, 0), "utimensat", dirfd);
      return;
    }
    checkAt(libc.utimensat(dirfd, cstr(path), times, flags), "utimensat", dirfd, path);
  }

  @Override
  public void futimens(int fd, long aSec, long aNsec, long mSec, long mNsec) throws ErrnoException {
    long[] times = {aSec, aNsec, mSec, mNsec};
    checkFd(libc.futimens(fd, times), "futimens", fd);
  }

  /**
   * After a failed getxattrat/listxattrat: returns when the path-based call should answer instead (ENOSYS:
   * no such calls, remembered; ERANGE: more than the first buffer holds; EBADF for the fd itself: an O_PATH
   * fd, which AT_EMPTY_PATH refuses), throws the error otherwise.
   */
  private void xattratFailed(int errno, String op, int dirfd, String path) throws ErrnoException {
    if (errno == Errno.ENOSYS) {
      xattratWorks = false;
    } else if (errno != Errno.ERANGE && !(errno == Errno.EBADF && path.isEmpty())) {
      throw new ErrnoException(errno, op, where(dirfd, path));
    }
  }

  @Override
  public byte[] lgetxattr(int dirfd, String path, String name) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        return lgetxattr(n.fd, n.path, name);
      }
    }
    if (xattratWorks && dirfd != Fcntl.AT_FDCWD) {
      Pointer mem = xattrBuf.get();
      mem.putLong(0, mem.address() + 16); // struct xattr_args: value, size, flags
      mem.putInt(8, XATTR_INLINE);
      mem.putInt(12, 0);
      int at = path.isEmpty() ? Fcntl.AT_EMPTY_PATH : Fcntl.AT_SYMLINK_NOFOLLOW;
      long len = libc.syscall(SYS_GETXATTRAT, dirfd, cstr(path), at, cstr(name), mem, 16);
      if (len >= 0) {
        byte[] out = new byte[(int) len];
        mem.get(16, out, 0, out.length);
        return out;
      }
      int errno = runtime.getLastError();
      if (errno == Errno.ENODATA) {
        return null;
      }
      xattratFailed(errno, "lgetxattr " + name, dirfd, path); // a value over XATTR_INLINE bytes: read below
    }
    byte[] p = cstr(xattrPath(dirfd, path));
    boolean magic = viaMagicLink(dirfd, path);
    byte[] n = cstr(name);
    byte[] buf = new byte[256];
    while (true) {
      long len = magic ? libc.getxattr(p, n, buf, buf.length) : libc.lgetxattr(p, n, buf, buf.length);
      if (len >= 0) {
        return java.util.Arrays.copyOf(buf, (int) len);
      }
      int errno = runtime.getLastError();
      if (errno == Errno.ENODATA) {
        return null;
      }
      if (errno != Errno.ERANGE) {
        throw new ErrnoException(errno, "lgetxattr " + name, where(dirfd, path));
      }
      long need = checkAt(magic ? libc.getxattr(p, n, null, 0) : libc.lgetxattr(p, n, null, 0), "lgetxattr", name, dirfd, path);
      buf = new byte[(int) Math.max(need, buf.length * 2L)];
    }
  }

  @Override
  public byte[] fgetxattr(int fd, String name) throws ErrnoException {
    byte[] n = cstr(name);
    byte[] buf = new byte[256];
    while (true) {
      long len = libc.fgetxattr(fd, n, buf, buf.length);
      if (len >= 0) {
        return java.util.Arrays.copyOf(buf, (int) len);
      }
      int errno = runtime.getLastError();
      if (errno == Errno.ENODATA) {
        return null;
      }
      if (errno != Errno.ERANGE) {
        throw new ErrnoException(errno, "fgetxattr " + name, "fd " + fd);
      }
      long need = checkFd(libc.fgetxattr(fd, n, null, 0), "fgetxattr", name, fd);
      buf = new byte[(int) Math.max(need, buf.length * 2L)];
    }
  }

  @Override
  public void lsetxattr(int dirfd, String path, String name, byte[] value, int flags) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        lsetxattr(n.fd, n.path, name, value, flags);
      }
      return;
    }
    if (xattratWorks && dirfd != Fcntl.AT_FDCWD && value.length <= XATTR_INLINE) {
      Pointer mem = xattrBuf.get();
      mem.putLong(0, mem.address() + 16); // struct xattr_args: value, size, flags
      mem.putInt(8, value.length);
      mem.putInt(12, flags);
      mem.put(16, value, 0, value.length);
      int at = path.isEmpty() ? Fcntl.AT_EMPTY_PATH : Fcntl.AT_SYMLINK_NOFOLLOW;
      if (libc.syscall(SYS_SETXATTRAT, dirfd, cstr(path), at, cstr(name), mem, 16) == 0) {
        return;
      }
      xattratFailed(runtime.getLastError(), "lsetxattr " + name, dirfd, path);
    }
    byte[] p = cstr(xattrPath(dirfd, path));
    int rc = viaMagicLink(dirfd, path)
        ? libc.setxattr(p, cstr(name), value, value.length, flags)
        : libc.lsetxattr(p, cstr(name), value, value.length, flags);
    checkAt(rc, "lsetxattr", name, dirfd, path);
  }

  @Override
  public void fsetxattr(int fd, String name, byte[] value, int flags) throws ErrnoException {
    checkFd(libc.fsetxattr(fd, cstr(name), value, value.length, flags), "fsetxattr", name, fd);
  }

  @Override
  public List<String> llistxattr(int dirfd, String path) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        return llistxattr(n.fd, n.path);
      }
    }
    if (xattratWorks && dirfd != Fcntl.AT_FDCWD) {
      // into the thread's native buffer: most files have no xattrs, and a list costs no array then
      Pointer mem = xattrBuf.get();
      int at = path.isEmpty() ? Fcntl.AT_EMPTY_PATH : Fcntl.AT_SYMLINK_NOFOLLOW;
      long len = libc.syscall(SYS_LISTXATTRAT, dirfd, cstr(path), at, mem, XATTR_INLINE);
      if (len == 0) {
        return List.of();
      }
      if (len > 0) {
        byte[] buf = new byte[(int) len];
        mem.get(0, buf, 0, buf.length);
        return splitNames(buf, buf.length);
      }
      xattratFailed(runtime.getLastError(), "llistxattr", dirfd, path); // a longer list: read below
    }
    byte[] p = cstr(xattrPath(dirfd, path));
    boolean magic = viaMagicLink(dirfd, path);
    byte[] buf = new byte[1024];
    while (true) {
      long len = magic ? libc.listxattr(p, buf, buf.length) : libc.llistxattr(p, buf, buf.length);
      if (len >= 0) {
        return splitNames(buf, (int) len);
      }
      int errno = runtime.getLastError();
      if (errno != Errno.ERANGE) {
        throw new ErrnoException(errno, "llistxattr", where(dirfd, path));
      }
      long need = checkAt(magic ? libc.listxattr(p, null, 0) : libc.llistxattr(p, null, 0), "llistxattr", dirfd, path);
      buf = new byte[(int) Math.max(need, buf.length * 2L)];
    }
  }

  @Override
  public List<String> flistxattr(int fd) throws ErrnoException {
    byte[] buf = new byte[1024];
    while (true) {
      long len = libc.flistxattr(fd, buf, buf.length);
      if (len >= 0) {
        return splitNames(buf, (int) len);
      }
      int errno = runtime.getLastError();
      if (errno != Errno.ERANGE) {
        throw new ErrnoException(errno, "flistxattr", "fd " + fd);
      }
      long need = checkFd(libc.flistxattr(fd, null, 0), "flistxattr", fd);
      buf = new byte[(int) Math.max(need, buf.length * 2L)];
    }
  }

  private static List<String> splitNames(byte[] buf, int len) {
    List<String> names = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < len; i++) {
      if (buf[i] == 0) {
        if (i > start) {
          names.add(FileNames.decode(buf, start, i - start));
        }
        start = i + 1;
      }
    }
    return names;
  }

  @Override
  public void lremovexattr(int dirfd, String path, String name) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        lremovexattr(n.fd, n.path, name);
      }
      return;
    }
    if (xattratWorks && dirfd != Fcntl.AT_FDCWD) {
      int at = path.isEmpty() ? Fcntl.AT_EMPTY_PATH : Fcntl.AT_SYMLINK_NOFOLLOW;
      if (libc.syscall(SYS_REMOVEXATTRAT, dirfd, cstr(path), at, cstr(name)) == 0) {
        return;
      }
      xattratFailed(runtime.getLastError(), "lremovexattr " + name, dirfd, path);
    }
    byte[] p = cstr(xattrPath(dirfd, path));
    int rc = viaMagicLink(dirfd, path) ? libc.removexattr(p, cstr(name)) : libc.lremovexattr(p, cstr(name));
    checkAt(rc, "lremovexattr", name, dirfd, path);
  }

  @Override
  public void fremovexattr(int fd, String name) throws ErrnoException {
    checkFd(libc.fremovexattr(fd, cstr(name)), "fremovexattr", name, fd);
  }

  @Override
  public int pread(int fd, ByteBuffer dst, long offset) throws ErrnoException {
    int want = dst.remaining();
    if (want == 0) {
      return 0;
    }
    // slice() so that the memory jnr passes starts at the buffer's position (direct: its address; heap: a copy)
    long n = checkFd(libc.pread(fd, dst.slice(), want, offset), "pread", fd);
    dst.position(dst.position() + (int) n);
    return (int) n;
  }

  @Override
  public int pwrite(int fd, ByteBuffer src, long offset) throws ErrnoException {
    int want = src.remaining();
    if (want == 0) {
      return 0;
    }
    long n = checkFd(libc.pwrite(fd, src.slice(), want, offset), "pwrite", fd);
    src.position(src.position() + (int) n);
    return (int) n;
  }

  @Override
  public void fsync(int fd) throws ErrnoException {
    checkFd(libc.fsync(fd), "fsync", fd);
  }

  @Override
  public void fdatasync(int fd) throws ErrnoException {
    checkFd(libc.fdatasync(fd), "fdatasync", fd);
  }

  @Override
  public void ftruncate(int fd, long size) throws ErrnoException {
    checkFd(libc.ftruncate(fd, size), "ftruncate", fd);
  }

  @Override
  public void fallocate(int fd, int mode, long offset, long length) throws ErrnoException {
    checkFd(libc.fallocate(fd, mode, offset, length), "fallocate", fd);
  }

  @Override
  public StatVfs fstatvfs(int fd) throws ErrnoException {
    Pointer b = Memory.allocateDirect(runtime, STATVFS_SIZE);
    checkFd(libc.fstatvfs(fd, b), "fstatvfs", fd);
    // struct statvfs on 64-bit glibc: 11 unsigned longs / 64-bit counters, same on x86_64 and arm64
    return new StatVfs(b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32),
        b.getLong(40), b.getLong(48), b.getLong(56), b.getLong(72), b.getLong(80));
  }

  @Override
  public long lseek(int fd, long offset, int whence) throws ErrnoException {
    long r = libc.lseek(fd, offset, whence);
    if (r < 0) {
      int errno = runtime.getLastError();
      if (errno == Errno.ENXIO) {
        return -1;
      }
      throw new ErrnoException(errno, "lseek", "fd " + fd);
    }
    return r;
  }

  @Override
  public long copyFileRange(int fdIn, long offIn, int fdOut, long offOut, long length) throws ErrnoException {
    LongLongByReference in = new LongLongByReference(offIn);
    LongLongByReference out = new LongLongByReference(offOut);
    return checkFd(libc.copy_file_range(fdIn, in, fdOut, out, length, 0), "copy_file_range", fdIn, fdOut);
  }

  @Override
  public long sendfile(int fdOut, int fdIn, long offIn, long length) throws ErrnoException {
    LongLongByReference in = new LongLongByReference(offIn);
    return checkFd(libc.sendfile(fdOut, fdIn, in, length), "sendfile", fdIn, fdOut);
  }

  @Override
  public List<DirEnt> readdir(int dirFd) throws ErrnoException {
    if (libc.lseek(dirFd, 0, Fcntl.SEEK_SET) < 0) {
      throw fail("lseek", "fd " + dirFd);
    }
    Pointer buf = dentsBuf.get();
    List<DirEnt> out = new ArrayList<>();
    byte[] name = new byte[512]; // d_reclen - 19 covers the name, its NUL and up to 7 padding bytes
    while (true) {
      long n = checkFd(libc.getdents64(dirFd, buf, DENTS_BUF), "getdents64", dirFd);
      if (n == 0) {
        return out;
      }
      // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
      for (long off = 0; off < n; ) {
        long ino = buf.getLong(off);
        int reclen = buf.getShort(off + 16) & 0xffff;
        int type = buf.getByte(off + 18) & 0xff;
        int max = reclen - 19;
        buf.get(off + 19, name, 0, max);
        int len = 0;
        while (len < max && name[len] != 0) {
          len++;
        }
        boolean dot = (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
        if (!dot) {
          out.add(new DirEnt(FileNames.decode(name, 0, len), ino, type));
        }
        off += reclen;
      }
    }
  }

  @Override
  public List<DirEnt> listdir(int dirfd, String path) throws ErrnoException {
    int fd = openBeneath(dirfd, path, Fcntl.O_RDONLY | Fcntl.O_DIRECTORY | Fcntl.O_NOATIME, 0);
    try {
      return readdir(fd);
    } finally {
      closeQuietly(fd);
    }
  }

  /** open_tree(2) and mount_setattr(2): the same number on every architecture (after the tables were unified). */
  private static final long SYS_OPEN_TREE = 428;
  private static final long SYS_MOUNT_SETATTR = 442;
  private static final int OPEN_TREE_CLONE = 1;

  @Override
  public int cloneMount(int dirfd, long attrSet, long attrClr) throws ErrnoException {
    byte[] empty = cstr("");
    long fd = libc.syscall(SYS_OPEN_TREE, dirfd, empty, OPEN_TREE_CLONE | Fcntl.O_CLOEXEC | Fcntl.AT_EMPTY_PATH);
    if (fd < 0) {
      throw fail("open_tree", "fd " + dirfd);
    }
    // struct mount_attr { u64 attr_set; u64 attr_clr; u64 propagation; u64 userns_fd; }
    Pointer attr = Memory.allocateDirect(runtime, 32);
    attr.putLong(0, attrSet);
    attr.putLong(8, attrClr);
    attr.putLong(16, 0);
    attr.putLong(24, 0);
    if (libc.syscall(SYS_MOUNT_SETATTR, (int) fd, empty, Fcntl.AT_EMPTY_PATH, attr, 32) < 0) {
      ErrnoException e = fail("mount_setattr", "fd " + dirfd);
      libc.close((int) fd);
      throw e;
    }
    return (int) fd;
  }

  @Override
  public void touchAtime(int dirfd, String path, boolean dir) throws ErrnoException {
    int fd = openBeneath(dirfd, path, Fcntl.O_RDONLY | Fcntl.O_NOFOLLOW | (dir ? Fcntl.O_DIRECTORY : 0), 0);
    try {
      if (dir) {
        // iterate_dir updates the access time whatever it lists; one small buffer is enough
        checkAt(libc.getdents64(fd, dentsBuf.get(), 64), "getdents64", dirfd, path);
      } else {
        // a read updates it even at end of file; one byte costs nothing
        checkAt(libc.pread(fd, ByteBuffer.allocateDirect(1), 1, 0), "pread", dirfd, path);
      }
    } finally {
      closeQuietly(fd);
    }
  }

  @Override
  public void linkFd(int fd, int newDirfd, String newPath) throws ErrnoException {
    if (!isLong(newPath)) {
      byte[] np = cstr(newPath);
      if (libc.linkat(fd, EMPTY, newDirfd, np, Fcntl.AT_EMPTY_PATH) == 0) {
        return;
      }
      int errno = runtime.getLastError();
      if (errno != Errno.ENOENT && errno != Errno.EPERM) {
        throw new ErrnoException(errno, "linkat", "fd " + fd + " -> " + where(newDirfd, newPath));
      }
      // ENOENT: AT_EMPTY_PATH without CAP_DAC_READ_SEARCH, or a file that may not be linked (asked again below)
    }
    linkat(Fcntl.AT_FDCWD, "/proc/self/fd/" + fd, newDirfd, newPath, Fcntl.AT_SYMLINK_FOLLOW);
  }

  /** FS_IOC_GETFSUUID: _IOR(0x15, 0, struct fsuuid2 {u8 len; u8 uuid[16]}). */
  private static final long FS_IOC_GETFSUUID = 0x80111500L;
  private static final int HANDLE_HEADER = 8;

  @Override
  public FileHandle nameToHandle(int dirfd, String path) throws ErrnoException {
    if (isLong(path)) {
      try (Near n = near(dirfd, path, false)) {
        return nameToHandle(n.fd, n.path);
      }
    }
    Pointer h = Memory.allocateDirect(runtime, HANDLE_HEADER + FileHandle.MAX_BYTES);
    h.putInt(0, FileHandle.MAX_BYTES);
    int flags = path.isEmpty() ? Fcntl.AT_EMPTY_PATH : 0; // no AT_SYMLINK_FOLLOW: a final symlink is not followed
    checkAt(libc.name_to_handle_at(dirfd, cstr(path), h, new int[1], flags), "name_to_handle_at", dirfd, path);
    int len = h.getInt(0);
    byte[] b = new byte[len];
    h.get(HANDLE_HEADER, b, 0, len);
    return new FileHandle(h.getInt(4), b);
  }

  @Override
  public int openByHandle(int mountFd, FileHandle fh, int flags) throws ErrnoException {
    byte[] b = fh.bytes();
    Pointer h = Memory.allocateDirect(runtime, HANDLE_HEADER + b.length);
    h.putInt(0, b.length);
    h.putInt(4, fh.type());
    h.put(HANDLE_HEADER, b, 0, b.length);
    int fd = libc.open_by_handle_at(mountFd, h, flags | Fcntl.O_CLOEXEC);
    if (fd < 0) {
      throw fail("open_by_handle_at", "fd " + mountFd + " " + fh);
    }
    return fd;
  }

  @Override
  public byte[] fsUuid(int fd) throws ErrnoException {
    int rd = openat(Fcntl.AT_FDCWD, "/proc/self/fd/" + fd, Fcntl.O_RDONLY | Fcntl.O_NONBLOCK, 0);
    try {
      byte[] u = new byte[17];
      if (libc.ioctl(rd, FS_IOC_GETFSUUID, u) < 0) {
        int errno = runtime.getLastError();
        if (errno == Errno.ENOTTY || errno == Errno.EINVAL) {
          return new byte[16]; // no s_uuid (or a kernel before 6.5: then the null UUID is the best guess)
        }
        throw new ErrnoException(errno, "ioctl FS_IOC_GETFSUUID", "fd " + fd);
      }
      byte[] out = new byte[16];
      System.arraycopy(u, 1, out, 0, Math.min(16, u[0] & 0xff));
      return out;
    } finally {
      closeQuietly(rd);
    }
  }

  @Override
  public int geteuid() {
    return libc.geteuid();
  }

  @Override
  public int getegid() {
    return libc.getegid();
  }
}
