package dev.lamina.sys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * The FUSE device: libfuse 2 mounts (mount(2) as root, its setuid helper fusermount otherwise, which is what
 * makes unprivileged mounts work) and hands us the {@code /dev/fuse} descriptor; lamina then speaks the
 * kernel protocol on it itself with plain read(2) and write(2). Only {@code fuse_mount} and
 * {@code fuse_chan_fd} of libfuse are used.
 */
public final class FuseDevice {
  /** read(2)/write(2) on the device; each call moves exactly one request or one reply. */
  public interface Io {
    long read(int fd, @Out ByteBuffer buf, long count);

    long write(int fd, @In ByteBuffer buf, long count);

    int close(int fd);

    /** ioctl(2) with a pointer argument: the device's passthrough calls. */
    int ioctl(int fd, long request, @In byte[] arg);

    /** poll(2) of {@code nfds} struct pollfd (int fd, short events, short revents). */
    int poll(@In @Out byte[] fds, long nfds, int timeout);
  }

  /** The two libfuse 2.9 calls that mount and give back the channel's descriptor. */
  public interface LibFuse2 {
    Pointer fuse_mount(@In byte[] mountpoint, Pointer args);

    int fuse_chan_fd(Pointer channel);
  }

  private static final class Holder {
    static final Io IO = LibraryLoader.create(Io.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(IO);
    static final LibFuse2 FUSE =
        LibraryLoader.create(LibFuse2.class).failImmediately().load("libfuse.so.2");
  }

  /** Generates the bindings now (jnr-ffi builds a class per interface), so a mount later does not wait. */
  public static void bind() {
    Holder.IO.getClass();
  }

  private FuseDevice() {}

  /**
   * Mounts a FUSE filesystem on {@code mountPoint} with libfuse's mount options ({@code fsname=},
   * {@code allow_other}, {@code default_permissions}, ...) and returns the device descriptor the kernel
   * sends its requests on. The caller reads INIT from it next.
   *
   * @throws IOException when libfuse cannot mount; libfuse printed its reason on stderr
   */
  public static int mount(Path mountPoint, List<String> options) throws IOException {
    LibFuse2 fuse;
    try {
      fuse = Holder.FUSE;
    } catch (LinkageError e) {
      throw new IOException(
          "cannot load libfuse.so.2, which lamina mounts with: install libfuse2 (apt-get install libfuse2)", e);
    }
    Runtime rt = Runtime.getRuntime(fuse);
    String[] argv =
        options.isEmpty()
            ? new String[] {"lamina"}
            : new String[] {"lamina", "-o", String.join(",", options)};
    int ptr = rt.addressSize();
    Pointer vector = Memory.allocateDirect(rt, (argv.length + 1) * ptr, true);
    Pointer[] keep = new Pointer[argv.length];
    for (int i = 0; i < argv.length; i++) {
      byte[] s = (argv[i] + "\0").getBytes(StandardCharsets.UTF_8);
      keep[i] = Memory.allocateDirect(rt, s.length);
      keep[i].put(0, s, 0, s.length);
      vector.putPointer((long) i * ptr, keep[i]);
    }
    // struct fuse_args { int argc; char **argv; int allocated; }: argv sits at the next pointer boundary.
    Pointer args = Memory.allocateDirect(rt, 3L * ptr, true);
    args.putInt(0, argv.length);
    args.putPointer(ptr, vector);
    args.putInt(2L * ptr, 0);
    byte[] mnt = (mountPoint.toString() + "\0").getBytes(StandardCharsets.UTF_8);
    Pointer channel = fuse.fuse_mount(mnt, args);
    if (channel == null || channel.address() == 0) {
      throw new IOException("libfuse could not mount " + mountPoint + " (its reason is above)");
    }
    return fuse.fuse_chan_fd(channel);
  }

  /**
   * Reads one request into buf; returns its length or -errno. jnr-ffi passes a direct buffer's address
   * plus its position, so the position is set to 0 first.
   */
  public static int read(int fd, ByteBuffer buf) {
    buf.clear();
    long n = Holder.IO.read(fd, buf, buf.capacity());
    return n < 0 ? -Holder.RUNTIME.getLastError() : (int) n;
  }

  /**
   * Writes buf's first {@code length} bytes as one reply or notification; returns 0 or -errno. Moves the
   * position to 0 (jnr-ffi passes the address at the position).
   */
  public static int write(int fd, ByteBuffer buf, int length) {
    buf.position(0);
    long n = Holder.IO.write(fd, buf, length);
    return n < 0 ? -Holder.RUNTIME.getLastError() : 0;
  }

  public static void close(int fd) {
    Holder.IO.close(fd);
  }

  /**
   * Whether the connection on the device descriptor {@code fd} still stands: the kernel aborts it as the file
   * system is unmounted (umount(2) has returned by then), and poll(2) then reports POLLERR.
   */
  public static boolean connected(int fd) {
    byte[] pfd = new byte[8];
    java.nio.ByteBuffer.wrap(pfd).order(java.nio.ByteOrder.nativeOrder()).putInt(0, fd).putShort(4, (short) 1); // POLLIN
    int n = Holder.IO.poll(pfd, 1, 0);
    if (n < 0) {
      return false;
    }
    short revents = java.nio.ByteBuffer.wrap(pfd).order(java.nio.ByteOrder.nativeOrder()).getShort(6);
    return (revents & (0x8 | 0x20)) == 0; // neither POLLERR nor POLLNVAL
  }

  /** FUSE_DEV_IOC_BACKING_OPEN: _IOW(229, 1, struct fuse_backing_map), the same on x86_64 and arm64. */
  static final long IOC_BACKING_OPEN = (1L << 30) | (16L << 16) | (229L << 8) | 1;
  /** FUSE_DEV_IOC_BACKING_CLOSE: _IOW(229, 2, uint32_t). */
  static final long IOC_BACKING_CLOSE = (1L << 30) | (4L << 16) | (229L << 8) | 2;

  /**
   * Registers {@code fileFd} as a passthrough backing file of the FUSE connection on {@code devFd} (Linux
   * 6.9+, CONFIG_FUSE_PASSTHROUGH, and CAP_SYS_ADMIN in the initial user namespace); returns its backing id
   * (> 0) or -errno. struct fuse_backing_map is {int32 fd; uint32 flags; uint64 padding}.
   */
  public static int backingOpen(int devFd, int fileFd) {
    byte[] map = new byte[16];
    ByteBuffer.wrap(map).order(java.nio.ByteOrder.nativeOrder()).putInt(0, fileFd);
    int id = Holder.IO.ioctl(devFd, IOC_BACKING_OPEN, map);
    return id < 0 ? -Holder.RUNTIME.getLastError() : id;
  }

  /** Drops a backing id (files opened with it keep their backing file); returns 0 or -errno. */
  public static int backingClose(int devFd, int backingId) {
    byte[] id = new byte[4];
    ByteBuffer.wrap(id).order(java.nio.ByteOrder.nativeOrder()).putInt(0, backingId);
    int rc = Holder.IO.ioctl(devFd, IOC_BACKING_CLOSE, id);
    return rc < 0 ? -Holder.RUNTIME.getLastError() : 0;
  }
}
