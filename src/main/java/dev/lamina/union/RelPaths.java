package dev.lamina.union;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import java.nio.charset.StandardCharsets;

/** Turns a mount path ("/a/b") into the layer-relative form ("a/b", "" for the root), checking its names. */
final class RelPaths {
  static final int NAME_MAX = 255;

  private RelPaths() {}

  /** The layer-relative form of path; ENAMETOOLONG for a name over 255 bytes, EINVAL for "." / ".." / empty names. */
  static String of(String path) throws ErrnoException {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      throw new ErrnoException(Errno.EINVAL, "path", String.valueOf(path));
    }
    int end = path.length();
    while (end > 1 && path.charAt(end - 1) == '/') {
      end--;
    }
    if (end == 1) {
      return "";
    }
    String rel = path.substring(1, end);
    int start = 0;
    boolean ascii = true;
    for (int i = 0; i <= rel.length(); i++) {
      if (i == rel.length() || rel.charAt(i) == '/') {
        int len = i - start;
        if (len == 0 || (len == 1 && rel.charAt(start) == '.')
            || (len == 2 && rel.charAt(start) == '.' && rel.charAt(start + 1) == '.')) {
          throw new ErrnoException(Errno.EINVAL, "path", path);
        }
        if (len > NAME_MAX || (!ascii && utf8Length(rel, start, i) > NAME_MAX)) {
          throw new ErrnoException(Errno.ENAMETOOLONG, "path", path);
        }
        start = i + 1;
        ascii = true;
      } else if (rel.charAt(i) >= 0x80) {
        ascii = false;
      }
    }
    // No limit on the whole path: the kernel hands FUSE one name at a time, so a path from the mount root
    // may be longer than PATH_MAX (a tree reached through a working directory below it); the host calls
    // reach such paths through their directories (HostFs).
    return rel;
  }

  private static int utf8Length(String s, int from, int to) {
    return s.substring(from, to).getBytes(StandardCharsets.UTF_8).length;
  }

  /** Rejects names the overlay reserves for its own markers (as fuse-overlayfs does). */
  static void checkCreatable(String rel) throws ErrnoException {
    if (rel.isEmpty()) {
      throw new ErrnoException(Errno.EEXIST, "create", "/");
    }
    if (Markers.isWhiteoutName(Resolver.nameOf(rel))) {
      throw new ErrnoException(Errno.EINVAL, "create (.wh. names are reserved for whiteouts)", "/" + rel);
    }
  }
}
