package dev.lamina.sys;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Views native memory (such as the buffers libfuse hands to read and write) as direct ByteBuffers, so data
 * moves between the kernel and a FileChannel without a copy through the Java heap.
 */
public final class NativeBuffers {
  private static final MemoryIO IO = MemoryIO.getInstance();
  /** Buffers from {@link #allocateUntouched} not yet freed (malloc'ed by jffi: the JVM's NMT does not see them). */
  private static final AtomicLong LIVE = new AtomicLong();

  private NativeBuffers() {}

  /**
   * A direct buffer over {@code size} bytes at {@code address}. Valid only while the owner of the memory
   * keeps it (for FUSE: until the callback returns); never keep a reference.
   */
  public static ByteBuffer view(long address, int size) {
    if (address == 0) {
      throw new IllegalArgumentException("null native address");
    }
    return IO.newDirectByteBuffer(address, size);
  }

  /**
   * {@code size} bytes of native memory, not cleared, as a direct buffer: malloc takes a block this large from
   * mmap, so its pages become resident only as they are written. (ByteBuffer.allocateDirect zeroes the whole
   * buffer, which made every FUSE worker's 1 MiB request and reply buffers resident at once.) Free it with
   * {@link #free} when no thread can use it any more.
   */
  public static ByteBuffer allocateUntouched(int size) {
    long address = IO.allocateMemory(size, false);
    if (address == 0) {
      throw new OutOfMemoryError("cannot allocate " + size + " bytes of native memory");
    }
    LIVE.incrementAndGet();
    return IO.newDirectByteBuffer(address, size);
  }

  /** Frees a buffer from {@link #allocateUntouched}; the buffer must not be used afterwards. */
  public static void free(ByteBuffer buf) {
    IO.freeMemory(IO.getDirectBufferAddress(buf));
    LIVE.decrementAndGet();
  }

  /** How many buffers from {@link #allocateUntouched} this process has not freed. */
  public static long live() {
    return LIVE.get();
  }
}
