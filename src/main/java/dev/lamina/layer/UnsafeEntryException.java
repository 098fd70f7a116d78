package dev.lamina.layer;

import java.io.IOException;

/**
 * A tar entry that lamina refuses to extract: it would reach outside the layer, break a limit or is malformed.
 * The message names the entry; the caller removes the partial layer.
 */
public class UnsafeEntryException extends IOException {
  private final String entry;

  public UnsafeEntryException(String unsafeName, String reason) {
    super("tar entry \"" + printable(unsafeName) + "\": " + reason);
    this.entry = unsafeName;
  }

  /** The entry name as found in the tar (untrusted). */
  public String entry() {
    return entry;
  }

  /** Control characters and bytes that are not UTF-8 are shown escaped, and huge names are cut. */
  static String printable(String name) {
    String s = dev.lamina.sys.FileNames.printable(name); // bytes that are not UTF-8 as \\xNN, not '?'
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 300; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (b.length() >= 300) {
      b.append("...(").append(s.length()).append(" chars)");
    }
    return b.toString();
  }
}
