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
    return new NioNodeOps();
  }

  /** The defaults of this user, with the rootless whiteout form (needs no mknod). */
  static ExtractOptions options() {
    return ExtractOptions.forUid(euid(), ops()).withWhiteouts(new WhiteoutFormat.WhiteoutFiles());
  }
}
