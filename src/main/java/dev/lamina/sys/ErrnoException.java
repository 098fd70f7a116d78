package dev.lamina.sys;

import java.io.IOException;

/**
 * A failed system call: the errno value, the operation and the path it was applied to. The one error type
 * of the overlay core; the FUSE adapter returns {@code -errno()} unchanged.
 */
public class ErrnoException extends IOException {
  private final int errno;
  private final String op;
  private final String path;

  public ErrnoException(int errno, String op, String path) {
    super(op + " " + path + ": " + Errno.describe(errno));
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
}
