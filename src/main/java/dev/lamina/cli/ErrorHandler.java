package dev.lamina.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Turns an exception escaping a command into one clear line on stderr (what failed, where, what to do),
 * prefixed once with {@code lamina: }, and exit code 1 (or the {@link UserError}'s); the stack trace goes to the
 * debug log only.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);

  @Override
  public int handleExecutionException(
      Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
    LOG.debug("command failed", e);
    cmd.getErr().println("lamina: " + message(e));
    return e instanceof UserError ue ? ue.exitCode() : 1;
  }

  /** The exception's message without a {@code lamina...:} prefix of its own, so none is doubled. */
  static String message(Throwable e) {
    String msg = e.getMessage() == null ? e.toString() : e.getMessage();
    return msg.replaceFirst("^lamina( [a-z-]+)?: ", "");
  }
}
