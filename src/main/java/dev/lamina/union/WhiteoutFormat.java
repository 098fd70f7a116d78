package dev.lamina.union;

/**
 * How the union writes whiteouts and opaque markers into the upper dir. Readers accept every form whatever
 * is configured.
 */
public enum WhiteoutFormat {
  /** Kernel overlayfs form: a 0/0 character device and {@code trusted.overlay.opaque=y}; needs root. */
  DEVICE,
  /** Rootless form (OCI / fuse-overlayfs): a {@code .wh.NAME} file, {@code user.overlay.opaque=y} plus {@code .wh..wh..opq}. */
  FILE;

  /** DEVICE when running as root, FILE otherwise (as fuse-overlayfs falls back when mknod fails). */
  public static WhiteoutFormat forEuid(int euid) {
    return euid == 0 ? DEVICE : FILE;
  }
}
