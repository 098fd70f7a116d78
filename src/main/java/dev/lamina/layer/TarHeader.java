package dev.lamina.layer;

import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * One entry of a layer tar as its headers give it, PAX and GNU long-name headers applied. Names are file names as
 * bytes (see {@link dev.lamina.sys.FileNames}): exactly what the tar holds, never re-encoded. PAX values are kept
 * as raw bytes, so binary xattr values ({@code SCHILY.xattr.security.capability}) survive too.
 *
 * @param offset byte offset of the entry's own header block in the uncompressed tar
 * @param name the entry name, unsafe: it goes through {@link SafePath} before touching a file system
 * @param linkName symlink target or hard-link target, "" otherwise
 * @param type the typeflag byte ('0', '5', '2', ...; 0 for pre-POSIX regular files)
 * @param size the header's size field (dive sums these); content follows only for regular and unknown types
 * @param atime access time, or null when the tar has none
 * @param pax the PAX records that apply to this entry (global ones included), key to raw value
 */
public record TarHeader(
    long offset, String name, String linkName, byte type, int mode, long uid, long gid, long size, FileTime mtime,
    FileTime atime, int devMajor, int devMinor, Map<String, byte[]> pax) {

  public boolean isDirectory() {
    return type == '5' || (type == 0 || type == '0') && name.endsWith("/");
  }

  public boolean isSymlink() {
    return type == '2';
  }

  public boolean isHardLink() {
    return type == '1';
  }

  /** A regular file: '0', '7' (contiguous) or the pre-POSIX 0, unless its name ends with '/'. */
  public boolean isFile() {
    return (type == '0' || type == 0 || type == '7') && !name.endsWith("/");
  }

  public boolean isCharDevice() {
    return type == '3';
  }

  public boolean isBlockDevice() {
    return type == '4';
  }

  public boolean isFifo() {
    return type == '6';
  }
}
