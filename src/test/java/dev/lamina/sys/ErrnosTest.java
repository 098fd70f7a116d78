package dev.lamina.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table of failures and the errno {@link Errnos#of} gives them. */
class ErrnosTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(new ErrnoException(Errno.EXDEV, "renameat2", "/a"), Errno.EXDEV),
        Arguments.of(new ErrnoException(Errno.ENODATA, "lgetxattr", "/a"), Errno.ENODATA),
        Arguments.of(new IOException("wrapped", new ErrnoException(Errno.ENOTEMPTY, "rmdir", "/d")), Errno.ENOTEMPTY),
        Arguments.of(new UncheckedIOException(new NoSuchFileException("/x")), Errno.ENOENT),
        Arguments.of(new NoSuchFileException("/x"), Errno.ENOENT),
        Arguments.of(new FileNotFoundException("/x"), Errno.ENOENT),
        Arguments.of(new DirectoryNotEmptyException("/d"), Errno.ENOTEMPTY),
        Arguments.of(new FileAlreadyExistsException("/x"), Errno.EEXIST),
        Arguments.of(new AccessDeniedException("/x"), Errno.EACCES),
        Arguments.of(new NotDirectoryException("/x"), Errno.ENOTDIR),
        Arguments.of(new FileSystemLoopException("/x"), Errno.ELOOP),
        Arguments.of(new AtomicMoveNotSupportedException("/a", "/b", "cross"), Errno.EXDEV),
        Arguments.of(new ReadOnlyFileSystemException(), Errno.EROFS),
        Arguments.of(new UnsupportedOperationException(), Errno.ENOTSUP),
        Arguments.of(new IllegalArgumentException("bad"), Errno.EINVAL),
        Arguments.of(new FileSystemException("/x", null, "odd"), Errno.EIO),
        Arguments.of(new NullPointerException(), Errno.EIO),
        Arguments.of(new IOException("disk on fire"), Errno.EIO));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("table")
  void of_mapsFailureToErrno(Throwable t, int errno) {
    assertThat(Errnos.of(t)).isEqualTo(errno);
  }
}
