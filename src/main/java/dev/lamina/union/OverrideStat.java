package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import java.nio.charset.StandardCharsets;

/**
 * The {@code user.containers.override_stat} xattr of rootless containers (containers/storage, fuse-overlayfs):
 * {@code uid:gid:mode[:type]} with the mode in octal and an optional type {@code file}, {@code dir},
 * {@code symlink}, {@code pipe}, {@code socket}, {@code block-MAJOR-MINOR} or {@code char-MAJOR-MINOR}.
 * {@code type} holds S_IFMT bits (0 when absent: the backing file's type stands).
 */
record OverrideStat(int uid, int gid, int mode, int type, long rdev) {

  /** Parses the xattr value; null when it is malformed (then the backing stat stands). */
  static OverrideStat parse(byte[] value) {
    if (value == null) {
      return null;
    }
    String s = new String(value, StandardCharsets.UTF_8).trim();
    int nul = s.indexOf('\0');
    if (nul >= 0) {
      s = s.substring(0, nul);
    }
    String[] f = s.split(":");
    if (f.length < 3 || f.length > 4) {
      return null;
    }
    try {
      int uid = (int) Long.parseLong(f[0]);
      int gid = (int) Long.parseLong(f[1]);
      int mode = Integer.parseInt(f[2], 8);
      int type = mode & S_IFMT;
      long rdev = 0;
      if (f.length == 4) {
        String t = f[3];
        if (t.equals("file")) {
          type = S_IFREG;
        } else if (t.equals("dir")) {
          type = S_IFDIR;
        } else if (t.equals("symlink")) {
          type = S_IFLNK;
        } else if (t.equals("pipe")) {
          type = S_IFIFO;
        } else if (t.equals("socket")) {
          type = S_IFSOCK;
        } else if (t.startsWith("block-") || t.startsWith("char-")) {
          String[] d = t.split("-");
          if (d.length != 3) {
            return null;
          }
          type = t.startsWith("block-") ? S_IFBLK : S_IFCHR;
          rdev = makedev(Long.parseLong(d[1]), Long.parseLong(d[2]));
        } else {
          return null;
        }
      }
      return new OverrideStat(uid, gid, mode & 07777, type, rdev);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The xattr value; the type is written only for device nodes (what plain files cannot show). */
  byte[] format() {
    StringBuilder b = new StringBuilder();
    b.append(Integer.toUnsignedString(uid)).append(':').append(Integer.toUnsignedString(gid)).append(":0")
        .append(Integer.toOctalString(mode & 07777));
    if (type == S_IFCHR || type == S_IFBLK) {
      b.append(type == S_IFCHR ? ":char-" : ":block-").append(major(rdev)).append('-').append(minor(rdev));
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
