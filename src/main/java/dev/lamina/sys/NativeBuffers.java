package dev.lamina.sys;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;

/**
 * Views native memory (such as the buffers libfuse hands to read and write) as direct ByteBuffers, so data
 * moves between the kernel and a FileChannel without a copy through the Java heap.
 */
public final class NativeBuffers {
  private static final MemoryIO IO = MemoryIO.getInstance();

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
}
