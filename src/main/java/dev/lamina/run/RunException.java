package dev.lamina.run;

/** A run could not be planned or started; the message says what failed, on which path, and what to do. */
public class RunException extends Exception {
  public RunException(String message) {
    super(message);
  }

  public RunException(String message, Throwable cause) {
    super(message, cause);
  }
}
