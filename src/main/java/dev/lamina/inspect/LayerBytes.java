package dev.lamina.inspect;

import java.util.Locale;

/** Byte counts as dive prints and parses them (go-humanize's SI units: "1.2 MB", "20Mb", "1 GiB"). */
public final class LayerBytes {
  private static final String[] SI = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

  private LayerBytes() {}

  /** "999 B", "1.2 kB", "12 MB": one decimal below 10, none above, powers of 1000. */
  public static String human(long bytes) {
    if (bytes < 10) {
      return bytes + " B";
    }
    int e = (int) Math.floor(Math.log(bytes) / Math.log(1000));
    double val = Math.floor(bytes / Math.pow(1000, e) * 10 + 0.5) / 10;
    return String.format(Locale.ROOT, val < 10 ? "%.1f %s" : "%.0f %s", val, SI[e]);
  }

  /**
   * Parses "20Mb", "1.5 GB", "300 KiB", "1,000": SI units are powers of 1000 and IEC units ("KiB") of 1024, case is
   * ignored, no unit means bytes.
   *
   * @throws IllegalArgumentException naming the value when it cannot be read
   */
  public static long parse(String text) {
    String s = text.strip().replace(",", "").toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("not a byte size: '" + text + "' (expected e.g. 20MB, 1.5GiB, 1000)");
    }
    double number = Double.parseDouble(s.substring(0, i));
    String unit = s.substring(i).strip();
    double mult = switch (unit) {
      case "", "b" -> 1;
      case "k", "kb" -> 1e3;
      case "ki", "kib" -> 1024;
      case "m", "mb" -> 1e6;
      case "mi", "mib" -> 1024.0 * 1024;
      case "g", "gb" -> 1e9;
      case "gi", "gib" -> 1024.0 * 1024 * 1024;
      case "t", "tb" -> 1e12;
      case "ti", "tib" -> Math.pow(1024, 4);
      case "p", "pb" -> 1e15;
      case "pi", "pib" -> Math.pow(1024, 5);
      default -> throw new IllegalArgumentException(
          "unknown byte unit '" + unit + "' in '" + text + "' (use B, kB, MB, GB, KiB, MiB, GiB, ...)");
    };
    return (long) (number * mult);
  }
}
