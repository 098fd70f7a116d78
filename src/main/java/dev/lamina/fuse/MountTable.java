package dev.lamina.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads /proc/self/mountinfo: which filesystem is mounted on a directory. */
public final class MountTable {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  /** One mountinfo line: mount point, filesystem type and source, with octal escapes decoded. */
  public record Entry(Path mountPoint, String fstype, String source) {}

  private MountTable() {}

  /** The topmost mount on {@code dir} (the last one listed), if any. */
  public static Optional<Entry> find(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    Entry found = null;
    for (Entry e : parse(Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8))) {
      if (e.mountPoint().equals(abs)) {
        found = e;
      }
    }
    return Optional.ofNullable(found);
  }

  /** Every mount of this process's mount namespace, in mountinfo's order. */
  public static List<Entry> all() throws IOException {
    return parse(Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8));
  }

  /**
   * Whether the FUSE mount on {@code dir} has lost its daemon: the kernel answers ENOTCONN ("Transport endpoint
   * is not connected") once the last descriptor of its /dev/fuse connection closed (the daemon died).
   */
  public static boolean isDead(Path dir) {
    try {
      Files.readAttributes(dir, java.nio.file.attribute.BasicFileAttributes.class);
      return false;
    } catch (java.nio.file.FileSystemException e) {
      return e.getReason() != null && e.getReason().contains("not connected");
    } catch (IOException e) {
      return false;
    }
  }

  /** True when {@code dir} is mounted with {@code fstype} (source checked too when not null). */
  public static boolean isMounted(Path dir, String fstype, String source) throws IOException {
    Optional<Entry> e = find(dir);
    return e.isPresent()
        && e.get().fstype().equals(fstype)
        && (source == null || e.get().source().equals(source));
  }

  static List<Entry> parse(List<String> lines) {
    // Format (proc(5)): id parent major:minor root mountpoint options [optional...] - fstype source super
    List<Entry> entries = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split(" ");
      int dash = -1;
      for (int i = 6; i < f.length; i++) {
        if (f[i].equals("-")) {
          dash = i;
          break;
        }
      }
      if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
        continue;
      }
      entries.add(new Entry(Path.of(unescape(f[4])), unescape(f[dash + 1]), unescape(f[dash + 2])));
    }
    return entries;
  }

  /** The kernel writes space, tab, newline and backslash as \040, \011, \012, \134. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '7') {
        return false;
      }
    }
    return true;
  }
}
