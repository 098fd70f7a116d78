package dev.lamina.layer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Tar blocks written by hand, for what tar libraries will not write: raw PAX bytes, bad fields, bombs. */
final class RawTar {
  private RawTar() {}

  /** A ustar header block (checksum set) for {@code name} of {@code type} and {@code size}. */
  static byte[] header(String name, char type, long size) {
    byte[] b = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, b, 0, Math.min(n.length, 100));
    put(b, 100, String.format("%07o", 0644));
    put(b, 108, String.format("%07o", 0));
    put(b, 116, String.format("%07o", 0));
    put(b, 124, String.format("%011o", size));
    put(b, 136, String.format("%011o", 1_600_000_000L));
    b[156] = (byte) type;
    put(b, 257, "ustar");
    put(b, 263, "00");
    checksum(b, 0);
    return b;
  }

  /** A PAX 'x' header and its records, one key. */
  static byte[] pax(String key, byte[] value) {
    byte[] k = (" " + key + "=").getBytes(StandardCharsets.UTF_8);
    int len = k.length + value.length + 1;
    int digits = String.valueOf(len).length();
    len += digits;
    if (String.valueOf(len).length() != digits) {
      len++;
    }
    ByteArrayOutputStream r = new ByteArrayOutputStream();
    r.writeBytes(String.valueOf(len).getBytes(StandardCharsets.US_ASCII));
    r.writeBytes(k);
    r.writeBytes(value);
    r.write('\n');
    return rawPax(r.toByteArray());
  }

  /** A PAX 'x' header holding {@code records} as given, padded to blocks. */
  static byte[] rawPax(byte[] records) {
    return concat(header("PaxHeaders/x", 'x', records.length), padded(records));
  }

  /** The parts, each padded to 512 bytes, then the two zero end blocks. */
  static byte[] of(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(padded(p));
    }
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  /** Recomputes the checksum of the header block at {@code off}. */
  static void checksum(byte[] b, int off) {
    java.util.Arrays.fill(b, off + 148, off + 156, (byte) ' ');
    long sum = 0;
    for (int i = off; i < off + 512; i++) {
      sum += b[i] & 0xff;
    }
    put(b, off + 148, String.format("%06o", sum));
    b[off + 154] = 0;
  }

  private static byte[] padded(byte[] b) {
    return java.util.Arrays.copyOf(b, (b.length + 511) / 512 * 512);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static void put(byte[] b, int off, String s) {
    byte[] x = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(x, 0, b, off, x.length);
  }
}
