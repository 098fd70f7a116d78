package dev.lamina.sys;

import java.io.FileNotFoundException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one conversion from a Java failure to the errno a caller of the filesystem sees. */
public final class Errnos {
  private static final Logger log = LoggerFactory.getLogger(Errnos.class);

  /** Checked in order, so subclasses come before their superclasses. */
  private static final Map<Class<? extends Throwable>, Integer> BY_TYPE = new LinkedHashMap<>();

  static {
    BY_TYPE.put(NoSuchFileException.class, Errno.ENOENT);
    BY_TYPE.put(FileNotFoundException.class, Errno.ENOENT);
    BY_TYPE.put(DirectoryNotEmptyException.class, Errno.ENOTEMPTY);
    BY_TYPE.put(FileAlreadyExistsException.class, Errno.EEXIST);
    BY_TYPE.put(AccessDeniedException.class, Errno.EACCES);
    BY_TYPE.put(NotDirectoryException.class, Errno.ENOTDIR);
    BY_TYPE.put(NotLinkException.class, Errno.EINVAL);
    BY_TYPE.put(FileSystemLoopException.class, Errno.ELOOP);
    BY_TYPE.put(AtomicMoveNotSupportedException.class, Errno.EXDEV);
    BY_TYPE.put(ReadOnlyFileSystemException.class, Errno.EROFS);
    BY_TYPE.put(UnsupportedOperationException.class, Errno.ENOTSUP);
    BY_TYPE.put(IllegalArgumentException.class, Errno.EINVAL);
    BY_TYPE.put(ClosedChannelException.class, Errno.EBADF);
    BY_TYPE.put(InterruptedIOException.class, Errno.EINTR);
    BY_TYPE.put(OutOfMemoryError.class, Errno.ENOMEM);
  }

  private Errnos() {}

  /**
   * The errno for t: exact for {@link ErrnoException} (also when wrapped as a cause), by type for NIO
   * exceptions, EIO (logged with its stack trace, since it is a bug or an unexpected host failure) otherwise.
   */
  public static int of(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof ErrnoException e) {
        return e.errno();
      }
      for (Map.Entry<Class<? extends Throwable>, Integer> m : BY_TYPE.entrySet()) {
        if (m.getKey().isInstance(c)) {
          return m.getValue();
        }
      }
    }
    log.error("unexpected failure, answering EIO", t);
    return Errno.EIO;
  }
}
