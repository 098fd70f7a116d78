package dev.lamina.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Extraction options for unit tests, for the user running them. */
final class TestOps {
  private TestOps() {}

  static int euid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static NodeOps ops() {
    return new SysNodeOps();
  }

  /** The defaults of this user (overlay whiteouts and chown as root, the rootless forms otherwise). */
  static ExtractOptions options() {
    return ExtractOptions.forUid(euid(), ops());
  }

  /** The rootless forms, which any user can write (tests of the rootless format also run as root). */
  static ExtractOptions rootless() {
    return options().withWhiteouts(new WhiteoutFormat.WhiteoutFiles()).withOwnership(ExtractOptions.Ownership.OVERRIDE_XATTR);
  }
}
