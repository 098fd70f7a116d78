package dev.lamina.sys;

import java.util.Arrays;

/**
 * A file handle as name_to_handle_at(2) returns it: the filesystem's handle type and its opaque bytes (the
 * {@code f_handle} of {@code struct file_handle}, at most {@link #MAX_BYTES}). It names an inode of one
 * filesystem for as long as that inode lives, whatever its path; the kernel's overlayfs stores such handles
 * in {@code trusted.overlay.origin}.
 */
public record FileHandle(int type, byte[] bytes) {
  /** MAX_HANDLE_SZ of linux/fcntl.h. */
  public static final int MAX_BYTES = 128;

  public FileHandle {
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException("a file handle has at most " + MAX_BYTES + " bytes, not " + bytes.length);
    }
    bytes = bytes.clone();
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FileHandle h && h.type == type && Arrays.equals(h.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return type * 31 + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("FileHandle[type=").append(type).append(", ");
    for (byte b : bytes) {
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.append(']').toString();
  }
}
