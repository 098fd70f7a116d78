package dev.lamina.sys;

import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * A pipe and splice(2), to move file data into a FUSE reply without copying it through user space: the
 * reply's header is written into the pipe, the data spliced from the file's page cache behind it (page
 * references, no copy), and the whole reply spliced from the pipe into /dev/fuse, as libfuse 3 does.
 * Signatures are the same on x86_64 and arm64 (loff_t* is a pointer to a 64-bit offset).
 */
public final class Splice implements AutoCloseable {
  /** The libc calls used. */
  public interface Api {
    int pipe2(@Out int[] fds, int flags);

    int fcntl(int fd, int cmd, int arg);

    long splice(int fdIn, @In @Out long[] offIn, int fdOut, Pointer offOut, long len, int flags);

    long write(int fd, @In ByteBuffer buf, long count);

    long read(int fd, @Out byte[] buf, long count);

    int close(int fd);
  }

  private static final class Holder {
    static final Api API = LibraryLoader.create(Api.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(API);
  }

  private static final int O_NONBLOCK = 04000;
  private static final int O_CLOEXEC = 02000000;
  private static final int F_SETPIPE_SZ = 1031;
  private static final int SPLICE_F_MOVE = 1;
  private static final int SPLICE_F_NONBLOCK = 2;

  private final int readFd;
  private final int writeFd;
  private final int capacity;
  private final long[] offset = new long[1];

  private Splice(int readFd, int writeFd, int capacity) {
    this.readFd = readFd;
    this.writeFd = writeFd;
    this.capacity = capacity;
  }

  /**
   * A non-blocking pipe of {@code want} bytes (or the most the system allows: pipe-max-size, 1 MiB by
   * default, unless CAP_SYS_RESOURCE); null when no pipe can be made.
   */
  public static Splice open(int want) {
    int[] fds = new int[2];
    if (Holder.API.pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
      return null;
    }
    int size = Holder.API.fcntl(fds[1], F_SETPIPE_SZ, want);
    if (size < 0) {
      size = Holder.API.fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    }
    if (size < 0) {
      size = 64 << 10; // the default a pipe has
    }
    return new Splice(fds[0], fds[1], size);
  }

  /** The pipe's size in bytes. */
  public int capacity() {
    return capacity;
  }

  /**
   * Whether a reply with {@code len} bytes of file data from {@code pos} fits the pipe: one pipe buffer (a page)
   * for the header, one per page the data touches.
   */
  public boolean fits(long pos, int len) {
    long pages = (pos % 4096 + len + 4095) / 4096;
    return (1 + pages) * 4096 <= capacity;
  }

  /**
   * Sends one reply of {@code header} (its first {@code headerLen} bytes, whose length field must already
   * count the data) followed by exactly {@code len} bytes of {@code fileFd} from {@code pos}, to
   * {@code devFd}. Returns 0, or -errno when it could not (nothing was sent then; the pipe is empty again).
   */
  public int send(int devFd, ByteBuffer header, int headerLen, int fileFd, long pos, int len) {
    header.position(0);
    if (Holder.API.write(writeFd, header, headerLen) != headerLen) {
      return fail();
    }
    offset[0] = pos;
    long moved = 0;
    while (moved < len) {
      long n = Holder.API.splice(fileFd, offset, writeFd, null, len - moved, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n <= 0) {
        return fail(); // 0: the file is shorter than its size said
      }
      moved += n;
    }
    long total = headerLen + (long) len;
    long n = Holder.API.splice(readFd, null, devFd, null, total, SPLICE_F_MOVE);
    if (n != total) {
      return fail();
    }
    return 0;
  }

  /** Empties the pipe after a failed send; returns -errno of the failure (EIO if none was set). */
  private int fail() {
    int errno = Holder.RUNTIME.getLastError();
    byte[] sink = new byte[64 << 10];
    while (Holder.API.read(readFd, sink, sink.length) > 0) {
      // drained
    }
    return -(errno > 0 ? errno : Errno.EIO);
  }

  @Override
  public void close() {
    Holder.API.close(readFd);
    Holder.API.close(writeFd);
  }
}
