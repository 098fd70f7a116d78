package dev.lamina.fuse;

import dev.lamina.sys.MountCall;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code mount -o remount,ro MNT} on a lamina mount: mount(8) runs the mount helper again (mount.fuse3, then
 * {@code lamina SOURCE MNT -o remount,...}) instead of calling mount(2) itself. The flags change in the kernel
 * (MS_REMOUNT): a read-only super block refuses every write before it reaches the daemon, as on overlayfs.
 * The layer options given with it (lowerdir=...) are ignored: a remount cannot change them.
 */
public final class Remount {
  private Remount() {}

  /** Whether the options ask for a remount. */
  public static boolean requested(List<String> optionStrings) {
    return optionStrings.stream().flatMap(s -> List.of(s.split(",")).stream()).anyMatch("remount"::equals);
  }

  /**
   * The mount(2) flags for a remount of a mount whose per-mount options (mountinfo's sixth field) are
   * {@code current}: those flags stay unless the options change them (MS_REMOUNT replaces them all).
   */
  static long flags(List<String> optionStrings, String current) {
    long f = 0;
    for (String opt : current.split(",")) {
      f = apply(f, opt);
    }
    f &= ~MountCall.MS_RDONLY; // read-only only when asked again, as mount(8) does for remount
    for (String s : optionStrings) {
      for (String opt : s.split(",")) {
        f = apply(f, opt);
      }
    }
    return f;
  }

  private static long apply(long f, String opt) {
    long atime = MountCall.MS_NOATIME | MountCall.MS_RELATIME | MountCall.MS_STRICTATIME;
    return switch (opt) {
      case "ro" -> f | MountCall.MS_RDONLY;
      case "rw" -> f & ~MountCall.MS_RDONLY;
      case "nosuid" -> f | MountCall.MS_NOSUID;
      case "suid" -> f & ~MountCall.MS_NOSUID;
      case "nodev" -> f | MountCall.MS_NODEV;
      case "dev" -> f & ~MountCall.MS_NODEV;
      case "noexec" -> f | MountCall.MS_NOEXEC;
      case "exec" -> f & ~MountCall.MS_NOEXEC;
      case "sync" -> f | MountCall.MS_SYNCHRONOUS;
      case "async" -> f & ~MountCall.MS_SYNCHRONOUS;
      case "dirsync" -> f | MountCall.MS_DIRSYNC;
      case "nodiratime" -> f | MountCall.MS_NODIRATIME;
      case "diratime" -> f & ~MountCall.MS_NODIRATIME;
      case "noatime" -> (f & ~atime) | MountCall.MS_NOATIME;
      case "relatime" -> (f & ~atime) | MountCall.MS_RELATIME;
      case "strictatime" -> (f & ~atime) | MountCall.MS_STRICTATIME;
      default -> f;
    };
  }

  /**
   * Remounts the lamina mount on mnt with the flags the options give.
   *
   * @throws IllegalArgumentException with the user-facing message
   */
  public static void run(List<String> optionStrings, Path mnt) throws IOException {
    Path real = mnt.toRealPath();
    String current = null;
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 5 && unescape(f[4]).equals(real.toString())) {
        current = f[5]; // the last one listed is the one on top
      }
    }
    if (current == null) {
      throw new IllegalArgumentException("cannot remount " + real + ": nothing is mounted there");
    }
    MountCall.remount(real, flags(optionStrings, current));
  }

  /** mountinfo escapes space, tab, newline and backslash as \ooo. */
  private static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
