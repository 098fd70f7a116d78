package dev.lamina.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The uncompressed tar stream of a layer blob, verified while it is read: the raw blob's size and digest against its
 * descriptor, and the uncompressed bytes' sha256 against the layer's diff_id. The check runs when the stream reaches
 * its end, or on {@link #close()}, which first reads what the caller left (tar readers stop at the end-of-archive
 * blocks, before the padding), so a caller that closes the stream always gets the verdict. A mismatch throws
 * {@link BlobMismatchException} naming the blob; a blob longer than its descriptor fails as soon as it overflows.
 */
public final class LayerTarStream extends InputStream {
  private final String what;
  private final Descriptor descriptor;
  private final boolean checkBlobDigest;
  private final Digest diffId;
  private final Counting raw;
  private final Counting tar;
  private final Compression compression;
  private boolean verified;
  private boolean closed;

  LayerTarStream(InputStream blob, Descriptor descriptor, boolean checkBlobDigest, Digest diffId, String what)
      throws IOException {
    this.what = what;
    this.descriptor = descriptor;
    this.checkBlobDigest = checkBlobDigest;
    this.diffId = diffId;
    this.raw = new Counting(blob, descriptor.digest().newMessageDigest(), descriptor.size(), what);
    java.io.BufferedInputStream buffered = new java.io.BufferedInputStream(raw, 64 * 1024);
    try {
      this.compression = Compression.detect(buffered);
      this.tar = new Counting(compression.decode(buffered, what), diffId.newMessageDigest(), -1, what);
    } catch (IOException e) {
      blob.close();
      throw e instanceof ImageException ? e : new ImageException("cannot read " + what + ": " + e.getMessage(), e);
    }
  }

  /** The layer and image this stream reads, for errors: "layer 0 (sha256:...) of REF". */
  public String describe() {
    return what;
  }

  /** The compression detected from the blob's first bytes. */
  public Compression compression() {
    return compression;
  }

  /** Bytes of the (possibly compressed) blob read so far, for progress. */
  public long blobBytesRead() {
    return raw.count;
  }

  /** Bytes of uncompressed tar delivered so far. */
  public long tarBytesRead() {
    return tar.count;
  }

  @Override
  public int read() throws IOException {
    int b;
    try {
      b = tar.read();
    } catch (IOException e) {
      throw decodeFailure(e);
    }
    if (b < 0) {
      verify();
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n;
    try {
      n = tar.read(b, off, len);
    } catch (IOException e) {
      throw decodeFailure(e);
    }
    if (n < 0) {
      verify();
    }
    return n;
  }

  /**
   * A decoder error (corrupt gzip/zstd data) is most often a damaged blob: check the blob's digest first, so the
   * error names the real cause; otherwise report the decoder's complaint.
   */
  private IOException decodeFailure(IOException e) {
    if (e instanceof BlobMismatchException || verified) {
      return e;
    }
    verified = true;
    try {
      raw.transferTo(OutputStreamNull.INSTANCE);
      checkBlob();
    } catch (BlobMismatchException mismatch) {
      mismatch.addSuppressed(e);
      return mismatch;
    } catch (IOException other) {
      e.addSuppressed(other);
    }
    return new ImageException(
        what + ": cannot decompress the " + compression.name().toLowerCase() + " layer: " + e.getMessage()
            + "; the blob is corrupt: fetch or build the image again", e);
  }

  /** Skips by reading (every byte must be digested), in large chunks: InputStream's default uses 2 KiB ones. */
  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
    long left = n;
    while (left > 0) {
      int r = read(buf, 0, (int) Math.min(left, buf.length));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }

  @Override
  public int available() throws IOException {
    return tar.available();
  }

  private void verify() throws IOException {
    if (verified) {
      return;
    }
    verified = true;
    // gzip and zstd decoders may stop before the end of the blob (trailing padding); it still counts toward size
    raw.transferTo(OutputStreamNull.INSTANCE);
    checkBlob();
    Digest got = new Digest(diffId.algorithm(), HexFormat.of().formatHex(tar.digest.digest()));
    if (!got.equals(diffId)) {
      throw new BlobMismatchException(
          what + ": the uncompressed layer's digest is " + got + ", but the config's rootfs.diff_ids says " + diffId
              + "; the image is corrupt or was modified: fetch or build it again");
    }
  }

  private void checkBlob() throws BlobMismatchException {
    if (raw.count != descriptor.size()) {
      throw new BlobMismatchException(
          what + ": the blob is " + raw.count + " bytes, but its descriptor says " + descriptor.size()
              + "; the image is corrupt or was modified: fetch or build it again");
    }
    Digest blobDigest = new Digest(descriptor.digest().algorithm(), HexFormat.of().formatHex(raw.digest.digest()));
    if (checkBlobDigest && !blobDigest.equals(descriptor.digest())) {
      throw new BlobMismatchException(
          what + ": the blob's digest is " + blobDigest + ", but its descriptor says " + descriptor.digest()
              + "; the image is corrupt or was modified: fetch or build it again");
    }
  }

  /** Reads what the caller left, verifies, and closes the blob; throws on a mismatch. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!verified) {
        try {
          tar.transferTo(OutputStreamNull.INSTANCE);
        } catch (IOException e) {
          throw decodeFailure(e);
        }
        verify();
      }
    } finally {
      tar.close();
    }
  }

  /** Counts and digests the bytes passing through; fails once more than {@code limit} bytes arrive. */
  private static final class Counting extends FilterInputStream {
    final MessageDigest digest;
    final long limit;
    final String what;
    long count;

    Counting(InputStream in, MessageDigest digest, long limit, String what) {
      super(in);
      this.digest = digest;
      this.limit = limit;
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        digest.update((byte) b);
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        digest.update(b, off, n);
        add(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // skipping would bypass the digest: read instead
      byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    private void add(long n) throws IOException {
      count += n;
      if (limit >= 0 && count > limit) {
        throw new BlobMismatchException(
            what + ": the blob is longer than the " + limit + " bytes its descriptor says; the image is corrupt "
                + "or was modified: fetch or build it again");
      }
    }
  }

  /** Discards bytes. */
  private static final class OutputStreamNull extends java.io.OutputStream {
    static final OutputStreamNull INSTANCE = new OutputStreamNull();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }
}
