package dev.lamina.union;

import dev.lamina.sys.FileHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The kernel overlay's record of where an upper entry was copied up from: {@code trusted.overlay.origin}
 * ({@code user.overlay.origin} without root), whose value is the on-disk {@code struct ovl_fb}:
 *
 * <pre>
 *   u8 version (0) | u8 magic (0xfb) | u8 len (21 + fid bytes) | u8 flags | u8 fid type | u8 uuid[16] | fid
 * </pre>
 *
 * where the fid and its type are the lower inode's file handle as name_to_handle_at(2) gives it (not
 * connectable: no parent in it), and uuid that of the lower filesystem ({@code s_uuid}; all zero where it has
 * none). flags is 0 on a little-endian machine (bit 0: big-endian, bit 1: any endian, bit 2: the handle is of
 * an upper inode, for the index). An empty value means "copied up, origin unknown".
 *
 * @param flags the flags byte
 * @param uuid the lower filesystem's UUID (16 bytes)
 * @param handle the lower inode's file handle
 */
record Origin(int flags, byte[] uuid, FileHandle handle) {
  static final String TRUSTED = "trusted.overlay.origin";
  static final String USER = "user.overlay.origin";
  static final String TRUSTED_IMPURE = "trusted.overlay.impure";
  static final String USER_IMPURE = "user.overlay.impure";

  private static final int VERSION = 0;
  private static final int MAGIC = 0xfb;
  private static final int HEADER = 21;
  private static final int FLAG_BIG_ENDIAN = 1;
  private static final int FLAG_ANY_ENDIAN = 2;
  private static final int FLAG_PATH_UPPER = 4;
  private static final int FLAGS_ALL = FLAG_BIG_ENDIAN | FLAG_ANY_ENDIAN | FLAG_PATH_UPPER;
  private static final int CPU_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? FLAG_BIG_ENDIAN : 0;

  Origin {
    if (uuid.length != 16) {
      throw new IllegalArgumentException("a filesystem UUID has 16 bytes, not " + uuid.length);
    }
    uuid = uuid.clone();
  }

  /** The origin of a lower inode with this handle on the filesystem with this UUID. */
  static Origin ofLower(byte[] uuid, FileHandle h) {
    return new Origin(CPU_ENDIAN, uuid, h);
  }

  /** The file handle of an upper inode (the index's {@code overlay.upper}), on the filesystem with this UUID. */
  static Origin ofUpper(byte[] uuid, FileHandle h) {
    return new Origin(CPU_ENDIAN | FLAG_PATH_UPPER, uuid, h);
  }

  /** The xattr value, as the kernel writes it. */
  byte[] encode() {
    byte[] fid = handle.bytes();
    byte[] v = new byte[HEADER + fid.length];
    v[0] = VERSION;
    v[1] = (byte) MAGIC;
    v[2] = (byte) v.length;
    v[3] = (byte) flags;
    v[4] = (byte) handle.type();
    System.arraycopy(uuid, 0, v, 5, 16);
    System.arraycopy(fid, 0, v, HEADER, fid.length);
    return v;
  }

  /**
   * Parses an origin xattr as the kernel's ovl_check_fh_len does: null for "origin unknown" (an empty value, a
   * newer version, unknown flags, the other byte order) and for a malformed one (bad magic, a length that does
   * not fit, a fid of more than 128 bytes): an entry whose origin is not understood keeps its own number.
   */
  static Origin parse(byte[] v) {
    if (v == null || v.length < HEADER || (v[1] & 0xff) != MAGIC) {
      return null;
    }
    int len = v[2] & 0xff;
    int flags = v[3] & 0xff;
    if (len < HEADER || len > v.length || (v[0] & 0xff) > VERSION || (flags & ~FLAGS_ALL) != 0) {
      return null;
    }
    if ((flags & FLAG_ANY_ENDIAN) == 0 && (flags & FLAG_BIG_ENDIAN) != CPU_ENDIAN) {
      return null;
    }
    if (len - HEADER > FileHandle.MAX_BYTES) {
      return null;
    }
    return new Origin(flags, Arrays.copyOfRange(v, 5, 21), new FileHandle(v[4] & 0xff, Arrays.copyOfRange(v, HEADER, len)));
  }

  /** Whether this names an upper inode (the index's form), not a lower one. */
  boolean upperPath() {
    return (flags & FLAG_PATH_UPPER) != 0;
  }

  /** Whether this names the inode h of the filesystem with UUID fsUuid. */
  boolean names(byte[] fsUuid, FileHandle h) {
    return Arrays.equals(uuid, fsUuid) && handle.equals(h);
  }

  @Override
  public byte[] uuid() {
    return uuid.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Origin other && other.flags == flags && Arrays.equals(other.uuid, uuid)
        && other.handle.equals(handle);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(uuid) * 31 + handle.hashCode();
  }

  @Override
  public String toString() {
    return "Origin[flags=" + flags + ", " + handle + "]";
  }
}
