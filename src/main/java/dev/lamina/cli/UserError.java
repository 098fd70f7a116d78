package dev.lamina.cli;

/** An error caused by the user's input or environment; its message is shown as is, without a trace. */
public class UserError extends RuntimeException {
  private final int exitCode;

  public UserError(String message) {
    this(message, 2);
  }

  public UserError(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
