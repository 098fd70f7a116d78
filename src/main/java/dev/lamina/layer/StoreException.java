package dev.lamina.layer;

import java.io.IOException;

/** A store request that cannot be met as asked (unknown or ambiguous name, image in use); the message says why. */
public class StoreException extends IOException {
  public StoreException(String message) {
    super(message);
  }
}
