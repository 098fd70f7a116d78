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
}
