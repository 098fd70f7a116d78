package dev.lamina.sys;

import java.net.URI;
import java.nio.file.Path;

/**
 * File names as Linux has them: bytes, not text. A name is held in a Java String decoded as UTF-8, except that each
 * byte that is not part of valid UTF-8 becomes the lone surrogate U+DC80..U+DCFF (Python's "surrogateescape"), so
 * every byte sequence round-trips exactly: {@code encode(decode(b))} equals {@code b}. Valid UTF-8 names are the
 * plain Strings everyone expects.
 *
 * <p>java.nio paths convert Strings with the JVM's {@code sun.jnu.encoding}, fixed from the locale at start-up:
 * {@code ANSI_X3.4-1968} under the C/POSIX locale turns every non-ASCII byte into '?', and UTF-8 turns invalid
 * bytes into '?'. {@link #resolve} and {@link #of(Path)} go through {@code file:} URIs instead, whose percent
 * escapes the JDK maps to and from the path's bytes directly, whatever the locale.
 */
public final class FileNames {
  private static final Path ROOT = Path.of("/");

  private FileNames() {}

  /** The name of {@code len} bytes at {@code off}, invalid UTF-8 bytes kept as U+DC80..U+DCFF. */
  public static String decode(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end && b[i] >= 0) {
      i++;
    }
    if (i == end) {
      return new String(b, off, len, java.nio.charset.StandardCharsets.ISO_8859_1); // all ASCII
    }
    StringBuilder sb = new StringBuilder(len);
    for (int k = off; k < i; k++) {
      sb.append((char) b[k]);
    }
    while (i < end) {
      int c = b[i] & 0xff;
      if (c < 0x80) {
        sb.append((char) c);
        i++;
        continue;
      }
      int n;
      int cp;
      int min;
      if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
        cp = c & 0x1f;
        min = 0x80;
      } else if (c >= 0xe0 && c <= 0xef) {
        n = 2;
        cp = c & 0x0f;
        min = 0x800;
      } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        cp = c & 0x07;
        min = 0x10000;
      } else {
        sb.append((char) (0xdc00 | c));
        i++;
        continue;
      }
      boolean ok = i + n < end;
      for (int k = 1; ok && k <= n; k++) {
        int cc = b[i + k] & 0xff;
        if ((cc & 0xc0) != 0x80) {
          ok = false;
        } else {
          cp = (cp << 6) | (cc & 0x3f);
        }
      }
      if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        sb.append((char) (0xdc00 | c));
        i++;
        continue;
      }
      sb.appendCodePoint(cp);
      i += n + 1;
    }
    return sb.toString();
  }

  public static String decode(byte[] b) {
    return decode(b, 0, b.length);
  }

  /** The bytes of a name made by {@link #decode}: UTF-8, with U+DC80..U+DCFF back to the bytes they stand for. */
  public static byte[] encode(String s) {
    int n = s.length();
    int i = 0;
    while (i < n && s.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(n + 8);
    for (int k = 0; k < i; k++) {
      out.write(s.charAt(k));
    }
    while (i < n) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out.write(c);
        i++;
      } else if (c >= 0xdc80 && c <= 0xdcff) {
        out.write(c & 0xff); // an escaped byte (a low surrogate without its high one)
        i++;
      } else {
        int cp = s.codePointAt(i);
        i += Character.charCount(cp);
        if (cp >= 0xd800 && cp <= 0xdfff) {
          out.write('?'); // a lone surrogate that no decoded name contains
        } else if (cp < 0x800) {
          out.write(0xc0 | (cp >> 6));
          out.write(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
          out.write(0xe0 | (cp >> 12));
          out.write(0x80 | ((cp >> 6) & 0x3f));
          out.write(0x80 | (cp & 0x3f));
        } else {
          out.write(0xf0 | (cp >> 18));
          out.write(0x80 | ((cp >> 12) & 0x3f));
          out.write(0x80 | ((cp >> 6) & 0x3f));
          out.write(0x80 | (cp & 0x3f));
        }
      }
    }
    return out.toByteArray();
  }

  /** Whether the name holds bytes that are not valid UTF-8 (escaped as U+DC80..U+DCFF). */
  public static boolean hasInvalidBytes(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0xdc80 && c <= 0xdcff && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)))) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code dir} joined with the relative name {@code rel} (which may contain '/'), byte for byte. ASCII names take
   * the usual path; others go through a {@code file:} URI, which the JDK turns into the path's bytes directly.
   */
  public static Path resolve(Path dir, String rel) {
    if (isAscii(rel)) {
      return dir.resolve(rel);
    }
    byte[] b = encode(rel);
    StringBuilder uri = new StringBuilder(b.length * 3 + 8).append("file:///");
    for (byte x : b) {
      int c = x & 0xff;
      if (c == 0) {
        throw new IllegalArgumentException("a file name cannot contain a NUL byte");
      }
      if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '/' || c == '.' || c == '-' || c == '_')) {
        uri.append((char) c);
      } else {
        uri.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
      }
    }
    Path abs = Path.of(URI.create(uri.toString()));
    return dir.resolve(ROOT.relativize(abs));
  }

  /** The path as a lossless String: each component's bytes through {@link #decode}, whatever the locale. */
  public static String of(Path p) {
    String s = p.toString();
    if (isAscii(s)) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    if (p.isAbsolute()) {
      sb.append('/');
    }
    for (int i = 0; i < p.getNameCount(); i++) {
      if (i > 0) {
        sb.append('/');
      }
      sb.append(name(p.getName(i)));
    }
    return sb.toString();
  }

  /** The last component of {@code p} as a lossless String ("" for the root). */
  public static String fileName(Path p) {
    Path f = p.getFileName();
    return f == null ? "" : name(f);
  }

  private static String name(Path single) {
    String s = single.toString();
    if (isAscii(s)) {
      return s;
    }
    // toUri percent-escapes every non-ASCII byte of the path (and appends '/' when it names a directory)
    String raw = ROOT.resolve(single).toUri().getRawPath();
    int start = raw.startsWith("/") ? 1 : 0;
    int end = raw.endsWith("/") && raw.length() > 1 ? raw.length() - 1 : raw.length();
    byte[] out = new byte[end - start];
    int n = 0;
    for (int i = start; i < end; i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < end) {
        out[n++] = (byte) Integer.parseInt(raw.substring(i + 1, i + 3), 16);
        i += 2;
      } else {
        out[n++] = (byte) c;
      }
    }
    return decode(out, 0, n);
  }

  /**
   * The name for a terminal or a log: escaped bytes as {@code \xNN}, control characters as {@code \xNN}, a
   * backslash as {@code \\}; everything else as is.
   */
  public static String printable(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean escaped = c >= 0xdc80 && c <= 0xdcff && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
      if (escaped || c < 0x20 || c == 0x7f || c == '\\') {
        if (sb == null) {
          sb = new StringBuilder(s.length() + 8).append(s, 0, i);
        }
        if (c == '\\') {
          sb.append("\\\\");
        } else {
          int v = escaped ? c & 0xff : c;
          sb.append("\\x").append(Character.forDigit(v >> 4, 16)).append(Character.forDigit(v & 15, 16));
        }
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? s : sb.toString();
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
