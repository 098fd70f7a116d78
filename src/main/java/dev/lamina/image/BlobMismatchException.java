package dev.lamina.image;

/** A blob's bytes do not match what its descriptor or the config promised (digest, size or diff_id). */
public final class BlobMismatchException extends ImageException {
  public BlobMismatchException(String message) {
    super(message);
  }
}
