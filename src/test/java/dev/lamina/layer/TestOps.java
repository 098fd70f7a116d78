package dev.lamina.layer;

import dev.lamina.sys.HostFs;

/** Extraction options for unit tests, for the user running them. */
final class TestOps {
  private TestOps() {}

  /**
   * The effective uid of this process. (Not the owner of the /proc/self symlink, which is root for every process:
   * that made every user's extractions chown as root would, failing with EPERM instead of going rootless.)
   */
  static int euid() {
    return HostFs.get().geteuid();
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
