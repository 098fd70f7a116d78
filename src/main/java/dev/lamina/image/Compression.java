package dev.lamina.image;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Layer compression, detected from the first bytes of the blob (media types are not trusted for this). */
public enum Compression {
  NONE,
  GZIP,
  ZSTD,
  BZIP2,
  XZ;

  /** Detects the compression of a stream that supports mark/reset, without consuming it. */
  public static Compression detect(InputStream in) throws IOException {
    in.mark(8);
    byte[] magic = in.readNBytes(6);
    in.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return GZIP;
    }
    if (magic.length >= 4
        && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
      return ZSTD;
    }
    if (magic.length >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
      return BZIP2;
    }
    if (magic.length >= 6
        && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X'
        && magic[4] == 'Z' && magic[5] == 0) {
      return XZ;
    }
    return NONE;
  }

  /** Wraps a stream (positioned at the start of the blob) in this compression's decoder. */
  InputStream decode(InputStream in, String what) throws IOException {
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 64 * 1024);
      case ZSTD -> new BufferedInputStream(new ZstdInputStreamNoFinalizer(in), 64 * 1024);
      case BZIP2, XZ -> throw new ImageException(
          what + " is " + name().toLowerCase() + "-compressed, which OCI and Docker images do not use and lamina "
              + "does not read; recompress it, e.g. skopeo copy --dest-compress-format gzip SRC oci:DIR");
    };
  }

  /** Opens a decoded view of a raw stream, detecting the compression first. */
  static InputStream decompress(InputStream raw, String what) throws IOException {
    BufferedInputStream in = raw instanceof BufferedInputStream b ? b : new BufferedInputStream(raw, 64 * 1024);
    return detect(in).decode(in, what);
  }
}
