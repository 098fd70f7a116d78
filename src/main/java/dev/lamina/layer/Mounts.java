package dev.lamina.layer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads /proc/self/mountinfo to tell whether a path is a mount point. */
final class Mounts {
  private Mounts() {}

  static boolean isMountPoint(Path p) throws IOException {
    String want = p.toAbsolutePath().normalize().toString();
    Path info = Path.of("/proc/self/mountinfo");
    if (!Files.isReadable(info)) {
      return false;
    }
    for (String line : Files.readAllLines(info, StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(want)) {
        return true;
      }
    }
    return false;
  }

  /** mountinfo escapes space, tab, newline and backslash as \ooo. */
  static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 4 <= s.length()) {
        try {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException e) {
          // not an escape
        }
      }
      b.append(c);
    }
    return b.toString();
  }
}
