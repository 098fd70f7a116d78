package dev.lamina.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads a user's subordinate id range from /etc/subuid or /etc/subgid (subuid(5): {@code name-or-id:start:count}). */
public final class SubIds {
  private SubIds() {}

  /** A subordinate id range. */
  public record Range(long start, long count) {}

  /** The first range granted to {@code user} (by name or numeric id), or empty when there is none. */
  public static Optional<Range> find(Path file, String user, long id) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    for (String line : text.split("\n")) {
      String[] f = line.trim().split(":");
      if (f.length != 3 || line.startsWith("#")) {
        continue;
      }
      if (!f[0].equals(user) && !f[0].equals(Long.toString(id))) {
        continue;
      }
      try {
        long start = Long.parseLong(f[1]);
        long count = Long.parseLong(f[2]);
        if (start > 0 && count > 0) {
          return Optional.of(new Range(start, count));
        }
      } catch (NumberFormatException e) {
        // a malformed line is skipped, as shadow's own parser does
      }
    }
    return Optional.empty();
  }
}
