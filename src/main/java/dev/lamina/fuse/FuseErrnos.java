package dev.lamina.fuse;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.ReadOnlyFileSystemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps whatever an operation threw to the errno FUSE returns: the exact errno of an ErrnoException, NIO
 * exceptions by type, anything else EIO (logged, since it means a bug or an unexpected host failure).
 * Interim copy until the core's {@code dev.lamina.sys.Errnos} lands.
 */
final class FuseErrnos {
  private static final Logger LOG = LoggerFactory.getLogger(FuseErrnos.class);

  private FuseErrnos() {}

  static int of(Throwable t) {
    if (t instanceof ErrnoException e) {
      return e.errno();
    }
    if (t instanceof NoSuchFileException) {
      return Errno.ENOENT;
    }
    if (t instanceof FileAlreadyExistsException) {
      return Errno.EEXIST;
    }
    if (t instanceof DirectoryNotEmptyException) {
      return Errno.ENOTEMPTY;
    }
    if (t instanceof NotDirectoryException) {
      return Errno.ENOTDIR;
    }
    if (t instanceof AccessDeniedException) {
      return Errno.EACCES;
    }
    if (t instanceof NotLinkException) {
      return Errno.EINVAL;
    }
    if (t instanceof FileSystemLoopException) {
      return Errno.ELOOP;
    }
    if (t instanceof ReadOnlyFileSystemException) {
      return Errno.EROFS;
    }
    if (t instanceof UnsupportedOperationException) {
      return Errno.ENOTSUP;
    }
    if (t instanceof OutOfMemoryError) {
      return Errno.ENOMEM;
    }
    LOG.warn("unexpected failure, answering EIO", t);
    return Errno.EIO;
  }
}
