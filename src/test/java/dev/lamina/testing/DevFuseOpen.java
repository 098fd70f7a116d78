package dev.lamina.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * /dev/fuse open to every user (mode 0666) until closed, which puts back the mode it had: for a test whose ordinary
 * user mounts through fusermount3, which needs /dev/fuse open to that user (a fresh machine's is 0600). Needs root.
 * The mode is the machine's, so the test class holds the {@link HostStateLock}.
 */
public final class DevFuseOpen implements AutoCloseable {
  private static final Path DEV_FUSE = Path.of("/dev/fuse");
  private final Set<PosixFilePermission> before;

  private DevFuseOpen(Set<PosixFilePermission> before) {
    this.before = before;
  }

  /** Sets /dev/fuse to 0666, remembering its mode. */
  public static DevFuseOpen toEveryone() throws IOException {
    Set<PosixFilePermission> before = Files.getPosixFilePermissions(DEV_FUSE);
    Files.setPosixFilePermissions(DEV_FUSE, PosixFilePermissions.fromString("rw-rw-rw-"));
    return new DevFuseOpen(before);
  }

  /** Puts back the mode /dev/fuse had. */
  @Override
  public void close() throws IOException {
    Files.setPosixFilePermissions(DEV_FUSE, before);
  }
}
