package dev.lamina.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Turns an exception escaping a command into one clear line on stderr (what failed, where, what to do)
 * and exit code 1; the stack trace goes to the debug log only.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);

  @Override
  public int handleExecutionException(
      Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
    LOG.debug("command failed", e);
    String msg = e.getMessage() == null ? e.toString() : e.getMessage();
    cmd.getErr().println("lamina: " + msg);
    return e instanceof UserError ue ? ue.exitCode() : 1;
  }
}
