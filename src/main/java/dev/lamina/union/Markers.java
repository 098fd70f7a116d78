package dev.lamina.union;

/** The overlay's on-disk vocabulary: whiteout names, opaque markers and the private xattrs it hides. */
final class Markers {
  static final String WH_PREFIX = ".wh.";
  static final String OPAQUE_FILE = ".wh..wh..opq";
  static final String TRUSTED_OPAQUE = "trusted.overlay.opaque";
  static final String USER_OPAQUE = "user.overlay.opaque";
  static final String OVERRIDE_STAT = "user.containers.override_stat";
  static final String FUSE_OVERLAYFS_OVERRIDE = "user.fuseoverlayfs.override_stat";

  private Markers() {}

  static boolean isWhiteoutName(String name) {
    return name.startsWith(WH_PREFIX);
  }

  /** Xattrs that belong to the overlay itself and are never shown or settable through the mount. */
  static boolean isPrivateXattr(String name) {
    return name.startsWith("trusted.overlay.")
        || name.startsWith("user.overlay.")
        || name.equals(OVERRIDE_STAT)
        || name.startsWith("user.fuseoverlayfs.");
  }

  static boolean isOpaqueValue(byte[] v) {
    return v != null && v.length >= 1 && v[0] == 'y';
  }
}
