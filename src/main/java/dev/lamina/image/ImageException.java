package dev.lamina.image;

import java.io.IOException;

/**
 * An image could not be read: a missing or malformed file, an unsupported format, a digest mismatch. The message
 * says what failed, on which reference, blob or file, and what to do.
 */
public class ImageException extends IOException {
  public ImageException(String message) {
    super(message);
  }

  public ImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
