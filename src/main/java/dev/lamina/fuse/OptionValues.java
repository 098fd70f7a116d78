package dev.lamina.fuse;

import java.util.Map;

/**
 * The values mount options accept: every numeric option with its range, checked when the options are parsed so
 * that a bad value is refused before a daemon starts, with a message that names the option, the value and what
 * is accepted ({@code bad mount option max_threads=abc: 'abc' is not a whole number from 1 to 4096}).
 */
final class OptionValues {
  /** A whole-number option's range, both ends included. */
  record Range(long min, long max) {
    String describe() {
      return "a whole number from " + min + " to " + max;
    }
  }

  private static final long INT_MAX = Integer.MAX_VALUE;
  private static final long ID_MAX = 4294967294L; // (uid_t) -1 means "unchanged" to chown

  /** Whole-number options: libfuse's, lamina's own, and fuse-overlayfs's. */
  static final Map<String, Range> WHOLE =
      Map.ofEntries(
          // lamina's own (SessionOptions)
          Map.entry("max_threads", new Range(1, 4096)),
          Map.entry("min_threads", new Range(1, 4096)),
          Map.entry("readahead_kb", new Range(0, 1L << 20)),
          // libfuse's
          Map.entry("max_write", new Range(4096, INT_MAX)),
          Map.entry("max_read", new Range(4096, INT_MAX)),
          Map.entry("max_readahead", new Range(0, INT_MAX)),
          Map.entry("max_background", new Range(1, 65535)),
          Map.entry("congestion_threshold", new Range(1, 65535)),
          Map.entry("blksize", new Range(512, INT_MAX)),
          Map.entry("uid", new Range(0, ID_MAX)),
          Map.entry("gid", new Range(0, ID_MAX)),
          Map.entry("remember", new Range(-1, INT_MAX)),
          Map.entry("intr_signal", new Range(1, 64)),
          // fuse-overlayfs's
          Map.entry("squash_to_uid", new Range(0, ID_MAX)),
          Map.entry("squash_to_gid", new Range(0, ID_MAX)),
          Map.entry("xattr_permissions", new Range(0, 2)),
          Map.entry("fsync", new Range(0, 1)),
          Map.entry("fast_ino", new Range(0, 1)),
          Map.entry("writeback", new Range(0, 1)),
          Map.entry("threaded", new Range(0, 1)),
          Map.entry("noxattrs", new Range(0, 1)));

  /** Options in seconds (fractions allowed). */
  private static final java.util.Set<String> SECONDS =
      java.util.Set.of("entry_timeout", "attr_timeout", "negative_timeout", "ac_attr_timeout", "timeout");

  /** The longest timeout accepted, in seconds (about 31 years): far more than any cache needs. */
  static final double MAX_SECONDS = 1e9;

  private OptionValues() {}

  /**
   * Checks {@code key=value} when the key takes a number; other keys pass.
   *
   * @throws IllegalArgumentException naming the option, the value and the accepted range
   */
  static void check(String key, String value) {
    Range r = WHOLE.get(key);
    if (r != null) {
      whole(key, value, r);
    } else if (SECONDS.contains(key)) {
      seconds(key, value);
    } else if (key.equals("umask")) {
      umask(value);
    }
  }

  static long whole(String key, String value, Range r) {
    long n;
    try {
      n = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw bad(key, value, r.describe());
    }
    if (n < r.min() || n > r.max()) {
      throw bad(key, value, r.describe());
    }
    return n;
  }

  static double seconds(String key, String value) {
    double s;
    try {
      s = Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      s = Double.NaN;
    }
    if (!(s >= 0 && s <= MAX_SECONDS)) {
      throw bad(key, value, "a number of seconds from 0 to " + (long) MAX_SECONDS + " (fractions allowed)");
    }
    return s;
  }

  private static void umask(String value) {
    if (!value.matches("[0-7]{1,4}") || Integer.parseInt(value, 8) > 0777) {
      throw bad("umask", value, "an octal mode from 0 to 0777");
    }
  }

  private static IllegalArgumentException bad(String key, String value, String expected) {
    String shown = value.isEmpty() ? "(empty)" : "'" + value + "'";
    return new IllegalArgumentException(
        "bad mount option " + key + "=" + value + ": " + shown + " is not " + expected);
  }
}
