package dev.lamina.union;

/**
 * The kernel overlay's {@code redirect_dir=} option: whether renaming a merged or lower directory records a
 * redirect, and whether redirects found in the layers are followed.
 */
public enum RedirectDir {
  /** Renames of merged and lower directories record a redirect; redirects are followed. */
  ON,
  /** No redirect is made (such renames fail with EXDEV); redirects already in the layers are followed. */
  FOLLOW,
  /** No redirect is made and none is followed: a lookup meeting one fails with EPERM, as on the kernel. */
  NOFOLLOW;

  /**
   * Parses the option's value. {@code off} means {@code follow}, as on kernels built with the default
   * CONFIG_OVERLAY_FS_REDIRECT_ALWAYS_FOLLOW=y.
   *
   * @throws IllegalArgumentException for any other value
   */
  public static RedirectDir parse(String value) {
    return switch (value == null ? "" : value.trim()) {
      case "on" -> ON;
      case "follow", "off" -> FOLLOW;
      case "nofollow" -> NOFOLLOW;
      default -> throw new IllegalArgumentException("redirect_dir=" + value
          + " is not understood: use redirect_dir=on, off, follow or nofollow");
    };
  }

  public boolean creates() {
    return this == ON;
  }

  public boolean follows() {
    return this != NOFOLLOW;
  }
}
