package dev.lamina.sys;

import java.io.IOException;

/**
 * A failed system call: the errno value, the operation and the path it was applied to. The one error type
 * of the overlay core; the FUSE adapter returns {@code -errno()} unchanged.
 *
 * <p>Cheap to throw: these are ordinary answers (ENOENT of a lookup that misses is the most common reply a
 * filesystem gives), so no stack trace is captured and the message is built only when read. Set
 * {@code -Dlamina.errno.stacktraces=true} to capture stack traces while debugging.
 */
public class ErrnoException extends IOException {
  private static final boolean STACK_TRACES = Boolean.getBoolean("lamina.errno.stacktraces");

  private final int errno;
  private final String op;
  private final String path;

  public ErrnoException(int errno, String op, String path) {
    super((String) null);
    this.errno = errno;
    this.op = op;
    this.path = path;
  }

  public int errno() {
    return errno;
  }

  public String op() {
    return op;
  }

  public String path() {
    return path;
  }

  @Override
  public String getMessage() {
    return op + " " + path + ": " + Errno.describe(errno);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return STACK_TRACES ? super.fillInStackTrace() : this;
  }
}
