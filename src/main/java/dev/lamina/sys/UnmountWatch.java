package dev.lamina.sys;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * Blocks until the filesystem mounted on a directory is unmounted, using inotify: the kernel queues
 * IN_UNMOUNT for every watch on a filesystem while umount(2) tears it down, before the syscall returns.
 * The watch asks only for events that cannot happen to a mount root (delete/move self), so a busy mount
 * never wakes the watcher. Used by the FUSE daemon to release the layers the moment it is unmounted.
 */
public final class UnmountWatch {
  private static final int IN_CLOEXEC = 02000000;
  private static final int IN_DELETE_SELF = 0x400;
  private static final int IN_MOVE_SELF = 0x800;
  private static final int IN_UNMOUNT = 0x2000;
  private static final int SCHED_FIFO = 1;
  private static final int EINTR = 4;

  /** inotify and scheduling calls of glibc (public for jnr's generated class, see LibC). */
  public interface Api {
    int inotify_init1(int flags);

    int inotify_add_watch(int fd, @In byte[] path, int mask);

    long read(int fd, @Out byte[] buf, long count);

    int close(int fd);

    int sched_setscheduler(int pid, int policy, @In int[] param);
  }

  private final Api libc = LibraryLoader.create(Api.class).load("c");
  private final Runtime runtime = Runtime.getRuntime(libc);

  /**
   * Asks for real-time (SCHED_FIFO, lowest priority) scheduling of the calling thread, so that it runs as
   * soon as it wakes even on a loaded machine; needs CAP_SYS_NICE. Returns whether it worked.
   */
  public boolean raiseCurrentThreadPriority() {
    // pid 0 is the calling thread for sched_setscheduler(2) on Linux.
    return libc.sched_setscheduler(0, SCHED_FIFO, new int[] {1}) == 0;
  }

  /** Returns once the filesystem on {@code mountPoint} is unmounted; throws if the watch fails. */
  public void await(Path mountPoint) throws ErrnoException {
    byte[] path = (mountPoint.toString() + "\0").getBytes(StandardCharsets.UTF_8);
    int fd = libc.inotify_init1(IN_CLOEXEC);
    if (fd < 0) {
      throw new ErrnoException(runtime.getLastError(), "inotify_init1", mountPoint.toString());
    }
    try {
      if (libc.inotify_add_watch(fd, path, IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
        throw new ErrnoException(runtime.getLastError(), "inotify_add_watch", mountPoint.toString());
      }
      byte[] buf = new byte[4096];
      while (true) {
        long n = libc.read(fd, buf, buf.length);
        if (n < 0) {
          int errno = runtime.getLastError();
          if (errno == EINTR) {
            continue;
          }
          throw new ErrnoException(errno, "read inotify", mountPoint.toString());
        }
        // struct inotify_event: int wd; uint32 mask; uint32 cookie; uint32 len; char name[len]
        for (int off = 0; off + 16 <= n; ) {
          int mask = intAt(buf, off + 4);
          if ((mask & IN_UNMOUNT) != 0) {
            return;
          }
          off += 16 + intAt(buf, off + 12);
        }
      }
    } finally {
      libc.close(fd);
    }
  }

  /** Native byte order (little-endian on x86_64 and arm64). */
  private static int intAt(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
  }
}
