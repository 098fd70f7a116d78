package dev.lamina.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * Lets the unprivileged test users mount FUSE. This machine has /dev/fuse 0600 (Debian's default is 0666), and
 * libfuse 2 opens it before falling back to fusermount, so the ITs set it to 0666 for their run and restore the
 * original mode afterwards. It is re-applied before every mount since other tests may restore it meanwhile.
 * They also enable {@code user_allow_other} in /etc/fuse.conf only around the one test that needs it.
 */
final class FuseAccess {
  static final Path DEV_FUSE = Path.of("/dev/fuse");
  static final Path FUSE_CONF = Path.of("/etc/fuse.conf");
  private static Set<PosixFilePermission> original;

  private FuseAccess() {}

  static boolean available() {
    return Files.exists(DEV_FUSE) && HostTools.which("fusermount3").isPresent()
        || HostTools.which("fusermount").isPresent();
  }

  /** Makes /dev/fuse 0666 (remembering the mode the first time). */
  static synchronized void open() throws Exception {
    if (original == null) {
      original = Files.getPosixFilePermissions(DEV_FUSE);
    }
    Files.setPosixFilePermissions(DEV_FUSE, PosixFilePermissions.fromString("rw-rw-rw-"));
  }

  /** Puts back the mode /dev/fuse had before {@link #open}. */
  static synchronized void restore() throws Exception {
    if (original != null) {
      Files.setPosixFilePermissions(DEV_FUSE, original);
      original = null;
    }
  }

  /** Runs {@code body} with user_allow_other in /etc/fuse.conf, then restores the file byte for byte. */
  static void withUserAllowOther(ThrowingRunnable body) throws Exception {
    byte[] before = Files.readAllBytes(FUSE_CONF);
    try {
      List<String> lines = Files.readAllLines(FUSE_CONF);
      if (lines.stream().noneMatch(l -> l.strip().equals("user_allow_other"))) {
        Files.writeString(FUSE_CONF, new String(before) + "\nuser_allow_other\n");
      }
      body.run();
    } finally {
      Files.write(FUSE_CONF, before);
    }
  }

  /** Runs {@code body} with no user_allow_other line in /etc/fuse.conf, then restores the file byte for byte. */
  static void withoutUserAllowOther(ThrowingRunnable body) throws Exception {
    byte[] before = Files.readAllBytes(FUSE_CONF);
    try {
      List<String> lines = Files.readAllLines(FUSE_CONF);
      if (lines.stream().anyMatch(l -> l.strip().equals("user_allow_other"))) {
        Files.write(FUSE_CONF, lines.stream().filter(l -> !l.strip().equals("user_allow_other")).toList());
      }
      body.run();
    } finally {
      Files.write(FUSE_CONF, before);
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
