package dev.lamina.layer;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code user.containers.override_stat} xattr: the owner, mode and type a file should be presented with
 * when the store cannot hold them itself (rootless extraction, device nodes). The text format is the one
 * containers-storage writes ({@code pkg/idtools FormatContainersOverrideXattrDevice}):
 * {@code uid:gid:MODE:type}, MODE four octal digits including setuid/setgid/sticky, type one of {@code file},
 * {@code dir}, {@code symlink}, {@code pipe}, {@code socket}, {@code block-MAJOR-MINOR}, {@code char-MAJOR-MINOR}.
 * fuse-overlayfs reads the first three fields ({@code %d:%d:%o}) and ignores the type.
 *
 * @param mode the permission bits (07777) only
 * @param type S_IFMT bits of the presented type (S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFSOCK, S_IFBLK, S_IFCHR)
 */
public record OverrideStat(int uid, int gid, int mode, int type, int major, int minor) {
  public static final String XATTR = "user.containers.override_stat";

  public static final int S_IFMT = 0170000;
  public static final int S_IFSOCK = 0140000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFIFO = 0010000;

  private static final Pattern FORMAT =
      Pattern.compile("(\\d+):(\\d+):([0-7]{1,6})(?::(file|dir|symlink|pipe|socket|(block|char)-(\\d+)-(\\d+)))?");

  public OverrideStat {
    mode &= 07777;
    type &= S_IFMT;
  }

  /** The xattr value, e.g. {@code 0:0:4755:file} or {@code 0:6:0660:block-8-0}. */
  public String format() {
    String t = switch (type) {
      case S_IFDIR -> "dir";
      case S_IFLNK -> "symlink";
      case S_IFIFO -> "pipe";
      case S_IFSOCK -> "socket";
      case S_IFBLK -> "block-" + major + "-" + minor;
      case S_IFCHR -> "char-" + major + "-" + minor;
      default -> "file";
    };
    return String.format("%d:%d:%04o:%s", uid, gid, mode, t);
  }

  public byte[] bytes() {
    return format().getBytes(StandardCharsets.US_ASCII);
  }

  /** Parses a value written by lamina, containers-storage or fuse-overlayfs; without a type, {@code fallbackType}. */
  public static OverrideStat parse(String value, int fallbackType) {
    Matcher m = FORMAT.matcher(value.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("malformed " + XATTR + " value \"" + value + "\" (want uid:gid:mode[:type])");
    }
    int uid = Integer.parseUnsignedInt(m.group(1));
    int gid = Integer.parseUnsignedInt(m.group(2));
    int mode = Integer.parseInt(m.group(3), 8);
    String t = m.group(4);
    if (t == null) {
      return new OverrideStat(uid, gid, mode, fallbackType, 0, 0);
    }
    int type = switch (t) {
      case "file" -> S_IFREG;
      case "dir" -> S_IFDIR;
      case "symlink" -> S_IFLNK;
      case "pipe" -> S_IFIFO;
      case "socket" -> S_IFSOCK;
      default -> m.group(5).equals("block") ? S_IFBLK : S_IFCHR;
    };
    int major = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
    int minor = m.group(7) == null ? 0 : Integer.parseInt(m.group(7));
    return new OverrideStat(uid, gid, mode, type, major, minor);
  }
}
