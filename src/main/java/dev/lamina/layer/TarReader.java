package dev.lamina.layer;

import dev.lamina.sys.FileNames;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a layer tar (ustar, POSIX pax, GNU) as a stream of {@link TarHeader}s, each followed by its content through
 * {@link #body()}. Written for untrusted input, like GNU tar and umoci read it:
 *
 * <ul>
 *   <li>every header block's checksum is verified (the unsigned sum, or the signed one old tars wrote); a wrong
 *       one is an error naming the tar and the block's byte offset, never a guess;
 *   <li>names are kept as bytes: ustar name and prefix, GNU long names ('L', 'K') and PAX {@code path} /
 *       {@code linkpath} become Strings through {@link FileNames#decode}, which keeps bytes that are not UTF-8;
 *   <li>a truncated tar, a malformed number or PAX record, and oversized metadata (long names, PAX headers over
 *       {@link #MAX_META} bytes) are errors with the offset; sparse and multi-volume entries, which image tars never
 *       hold, are refused by name rather than extracted wrong.
 * </ul>
 */
public final class TarReader {
  /** The largest PAX header or GNU long name accepted: far above PATH_MAX, small enough to hold in memory. */
  public static final int MAX_META = 1 << 20;

  private static final int BLOCK = 512;

  private final InputStream in;
  private final String what;
  private final byte[] block = new byte[BLOCK];
  private final Map<String, byte[]> globals = new HashMap<>();
  private long pos;
  /** Content bytes of the current entry not yet read, then its padding. */
  private long remaining;
  private long padding;
  private boolean ended;
  private final Body body = new Body();

  /** {@code what} names the tar in errors, e.g. "layer 0 (sha256:...) of oci:img". */
  public TarReader(InputStream in, String what) {
    this.in = in;
    this.what = what;
  }

  /** Bytes of the tar consumed so far. */
  public long position() {
    return pos;
  }

  /** The next entry, or null at the end-of-archive marker (or a clean end of stream at a block boundary). */
  public TarHeader next() throws IOException {
    skipRest();
    if (ended) {
      return null;
    }
    Map<String, byte[]> pax = null;
    byte[] longName = null;
    byte[] longLink = null;
    while (true) {
      long at = pos;
      if (!readBlock()) {
        ended = true;
        return null;
      }
      if (allZero(block)) {
        ended = true; // the end-of-archive marker; the caller drains what follows
        return null;
      }
      verifyChecksum(at);
      byte type = block[156];
      long size = number(124, 12, at, "size");
      switch (type) {
        case 'x', 'g' -> {
          Map<String, byte[]> records = parsePax(readMeta(size, at, "PAX header"), at);
          if (type == 'g') {
            globals.putAll(records);
          } else {
            pax = records;
          }
          continue;
        }
        case 'L' -> {
          longName = cString(readMeta(size, at, "GNU long name"));
          continue;
        }
        case 'K' -> {
          longLink = cString(readMeta(size, at, "GNU long link name"));
          continue;
        }
        case 'S', 'M' -> throw error(at, (type == 'S' ? "a GNU sparse file" : "a multi-volume continuation")
            + " (\"" + FileNames.printable(FileNames.decode(cString(Arrays.copyOfRange(block, 0, 100)))) + "\"), "
            + "which layer tars never hold; refusing to read it");
        case 'V' -> {
          skipContent(size, at); // a GNU volume label: not a file
          continue;
        }
        default -> {
          return entry(at, type, size, pax, longName, longLink);
        }
      }
    }
  }

  private TarHeader entry(long at, byte type, long headerSize, Map<String, byte[]> local, byte[] longName,
      byte[] longLink) throws IOException {
    Map<String, byte[]> pax = globals;
    if (local != null) {
      pax = new HashMap<>(globals);
      pax.putAll(local);
    }
    boolean posix = Arrays.equals(block, 257, 263, USTAR_POSIX, 0, 6);
    boolean gnu = Arrays.equals(block, 257, 265, USTAR_GNU, 0, 8);
    byte[] rawName = cString(Arrays.copyOfRange(block, 0, 100));
    if (posix && block[345] != 0) {
      byte[] prefix = cString(Arrays.copyOfRange(block, 345, 500));
      byte[] joined = new byte[prefix.length + 1 + rawName.length];
      System.arraycopy(prefix, 0, joined, 0, prefix.length);
      joined[prefix.length] = '/';
      System.arraycopy(rawName, 0, joined, prefix.length + 1, rawName.length);
      rawName = joined;
    }
    if (longName != null) {
      rawName = longName;
    }
    byte[] rawLink = longLink != null ? longLink : cString(Arrays.copyOfRange(block, 157, 257));
    rawName = pax.getOrDefault("path", rawName);
    rawLink = pax.getOrDefault("linkpath", rawLink);
    for (String k : pax.keySet()) {
      if (k.startsWith("GNU.sparse.")) {
        throw error(at, "entry \"" + FileNames.printable(FileNames.decode(rawName)) + "\" is a GNU sparse file "
            + "(PAX " + k + "), which layer tars never hold; refusing to read it");
      }
    }
    long size = paxNumber(pax, "size", headerSize, at);
    int mode = (int) number(100, 8, at, "mode");
    long uid = paxNumber(pax, "uid", number(108, 8, at, "uid"), at);
    long gid = paxNumber(pax, "gid", number(116, 8, at, "gid"), at);
    FileTime mtime = paxTime(pax, "mtime", FileTime.from(Instant.ofEpochSecond(number(136, 12, at, "mtime"))), at);
    FileTime atime = null;
    if (gnu && block[345] != 0) {
      atime = FileTime.from(Instant.ofEpochSecond(number(345, 12, at, "atime")));
    }
    atime = paxTime(pax, "atime", atime, at);
    int major = 0;
    int minor = 0;
    if (type == '3' || type == '4') {
      major = (int) number(329, 8, at, "devmajor");
      minor = (int) number(337, 8, at, "devminor");
    }
    // links, devices, dirs and fifos are header-only, whatever their size field says (as Go's archive/tar reads)
    boolean hasContent = type != '1' && type != '2' && type != '3' && type != '4' && type != '5' && type != '6';
    remaining = hasContent ? size : 0;
    padding = pad(remaining);
    return new TarHeader(at, FileNames.decode(rawName), FileNames.decode(rawLink), type, mode & 07777777, uid, gid,
        size, mtime, atime, major, minor,
        pax.isEmpty() ? Map.of() : Collections.unmodifiableMap(pax));
  }

  /** The current entry's content; reading it to its end leaves the reader at the next header. */
  public InputStream body() {
    return body;
  }

  private static final byte[] USTAR_POSIX = "ustar\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USTAR_GNU = "ustar  \0".getBytes(StandardCharsets.US_ASCII);

  private static long pad(long size) {
    return (BLOCK - size % BLOCK) % BLOCK;
  }

  private void skipRest() throws IOException {
    long n = remaining + padding;
    remaining = 0;
    padding = 0;
    skipExactly(n, pos);
  }

  private void skipContent(long size, long at) throws IOException {
    skipExactly(size + pad(size), at);
  }

  private void skipExactly(long n, long at) throws IOException {
    byte[] buf = n > 0 ? new byte[(int) Math.min(n, 64 * 1024)] : null;
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(n, buf.length));
      if (r < 0) {
        throw truncated(at);
      }
      pos += r;
      n -= r;
    }
  }

  /** Reads one block; false at a clean end of stream before it (an empty tar, or one without end marker). */
  private boolean readBlock() throws IOException {
    int off = 0;
    while (off < BLOCK) {
      int r = in.read(block, off, BLOCK - off);
      if (r < 0) {
        if (off == 0) {
          return false;
        }
        throw truncated(pos);
      }
      off += r;
      pos += r;
    }
    return true;
  }

  private byte[] readMeta(long size, long at, String kind) throws IOException {
    if (size > MAX_META) {
      throw error(at, kind + " of " + size + " bytes, over the limit of " + MAX_META + " bytes");
    }
    byte[] b = new byte[(int) size];
    int off = 0;
    while (off < b.length) {
      int r = in.read(b, off, b.length - off);
      if (r < 0) {
        throw truncated(at);
      }
      off += r;
      pos += r;
    }
    skipExactly(pad(size), at);
    return b;
  }

  private void verifyChecksum(long at) throws IOException {
    long stored;
    try {
      stored = octal(148, 8);
    } catch (NumberFormatException e) {
      throw error(at, "a tar header's checksum field is not a number; this is not a tar, or it is corrupt");
    }
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int b = (i >= 148 && i < 156) ? ' ' : block[i];
      unsigned += b & 0xff;
      signed += b;
    }
    if (stored != unsigned && stored != signed) {
      throw error(at, "the tar header has a wrong checksum (it says " + stored + ", the header sums to " + unsigned
          + "); the layer is corrupt: fetch or build the image again");
    }
  }

  /** A numeric header field: octal text, or GNU's base-256 when the top bit of its first byte is set. */
  private long number(int off, int len, long at, String field) throws IOException {
    if ((block[off] & 0x80) != 0) {
      if ((block[off] & 0x40) != 0) {
        throw error(at, "the tar header's " + field + " is negative");
      }
      long v = block[off] & 0x3f;
      for (int i = 1; i < len; i++) {
        if ((v >>> 55) != 0) {
          throw error(at, "the tar header's " + field + " is too large");
        }
        v = (v << 8) | (block[off + i] & 0xff);
      }
      return v;
    }
    try {
      return octal(off, len);
    } catch (NumberFormatException e) {
      throw error(at, "the tar header's " + field + " field is not an octal number");
    }
  }

  private long octal(int off, int len) {
    int i = off;
    int end = off + len;
    while (i < end && (block[i] == ' ' || block[i] == 0)) {
      i++;
    }
    if (i == end) {
      return 0;
    }
    long v = 0;
    int digits = 0;
    for (; i < end && block[i] != ' ' && block[i] != 0; i++) {
      int d = block[i] - '0';
      if (d < 0 || d > 7) {
        throw new NumberFormatException();
      }
      v = (v << 3) | d;
      digits++;
    }
    for (; i < end; i++) {
      if (block[i] != ' ' && block[i] != 0) {
        throw new NumberFormatException();
      }
    }
    if (digits == 0) {
      throw new NumberFormatException();
    }
    return v;
  }

  /** PAX records: "LEN KEY=VALUE\n", LEN counting the whole record in bytes. */
  private Map<String, byte[]> parsePax(byte[] b, long at) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    int i = 0;
    while (i < b.length) {
      if (b[i] == 0) {
        break; // NUL padding some writers leave after the last record
      }
      int sp = i;
      long len = 0;
      while (sp < b.length && b[sp] >= '0' && b[sp] <= '9' && len < Integer.MAX_VALUE) {
        len = len * 10 + (b[sp] - '0');
        sp++;
      }
      if (sp == i || sp >= b.length || b[sp] != ' ' || len <= sp - i + 1 || i + len > b.length
          || b[(int) (i + len - 1)] != '\n') {
        throw error(at, "a malformed PAX record at byte " + i + " of the PAX header");
      }
      int end = (int) (i + len - 1);
      int eq = sp + 1;
      while (eq < end && b[eq] != '=') {
        eq++;
      }
      if (eq == end || eq == sp + 1) {
        throw error(at, "a PAX record without 'key=' at byte " + i + " of the PAX header");
      }
      String key = new String(b, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
      byte[] value = Arrays.copyOfRange(b, eq + 1, end);
      if (value.length == 0) {
        out.remove(key); // an empty value unsets the keyword (POSIX)
      } else {
        out.put(key, value);
      }
      i += (int) len;
    }
    return out;
  }

  private long paxNumber(Map<String, byte[]> pax, String key, long dflt, long at) throws IOException {
    byte[] v = pax.get(key);
    if (v == null) {
      return dflt;
    }
    String s = new String(v, StandardCharsets.US_ASCII);
    try {
      long n = Long.parseLong(s);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw error(at, "PAX " + key + " '" + FileNames.printable(s) + "' is not a number");
    }
  }

  private FileTime paxTime(Map<String, byte[]> pax, String key, FileTime dflt, long at) throws IOException {
    byte[] v = pax.get(key);
    if (v == null) {
      return dflt;
    }
    String s = new String(v, StandardCharsets.US_ASCII);
    try {
      BigDecimal d = new BigDecimal(s);
      long secs = d.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
      long nanos = d.subtract(BigDecimal.valueOf(secs)).movePointRight(9).setScale(0, java.math.RoundingMode.FLOOR)
          .longValueExact();
      return FileTime.from(Instant.ofEpochSecond(secs, nanos));
    } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
      throw error(at, "PAX " + key + " '" + FileNames.printable(s) + "' is not a time");
    }
  }

  private static byte[] cString(byte[] b) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == 0) {
        return Arrays.copyOf(b, i);
      }
    }
    return b;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private TarFormatException truncated(long at) {
    return error(at, "the tar ends in the middle of an entry (after " + pos + " bytes); the layer is truncated");
  }

  private TarFormatException error(long at, String message) {
    return new TarFormatException(what + ": " + message + " (tar entry at byte offset " + at + ")", at);
  }

  /** A tar that cannot be read as one: corrupt, truncated or holding something lamina refuses. */
  public static final class TarFormatException extends IOException {
    private final long offset;

    TarFormatException(String message, long offset) {
      super(message);
      this.offset = offset;
    }

    /** Byte offset of the offending header block. */
    public long offset() {
      return offset;
    }
  }

  /** The current entry's content, bounded by its size. */
  private final class Body extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int r = in.read(b, off, (int) Math.min(len, remaining));
      if (r < 0) {
        throw truncated(pos);
      }
      pos += r;
      remaining -= r;
      return r;
    }

    @Override
    public void close() {
      // the reader owns the stream
    }
  }
}
