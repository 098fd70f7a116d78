package dev.lamina.fuse;

import java.util.Set;

/**
 * What lamina does with fuse-overlayfs's own mount options, as containers/storage (podman, buildah, CRI-O) and
 * users pass them to a {@code mount_program}: honoured by the overlay core, accepted because they cannot change
 * what a reader or writer of the mount sees, or refused with the reason when they would change semantics in a
 * way lamina does not implement. Options no one knows stay accepted and ignored, as fuse-overlayfs does.
 *
 * <ul>
 *   <li>Honoured: {@code uidmapping=}, {@code gidmapping=}, {@code squash_to_uid=}, {@code squash_to_gid=},
 *       {@code squash_to_root}, {@code xattr_permissions=0|2} (2: owner and mode kept in
 *       {@code user.containers.override_stat}), {@code timeout=} (the entry and attribute cache timeouts),
 *       and the kernel overlay's {@code redirect_dir=on|off|follow|nofollow} ({@link dev.lamina.union.RedirectDir})
 *       {@code metacopy=on|off} (metadata-only copy-up; on needs redirect_dir=on, which it implies), and
 *       {@code index=on|off} (lower hard links stay linked across copy-up, in the kernel's index; root only: without
 *       root it falls back to off, as the kernel's does in a user namespace).
 *   <li>Accepted without effect: {@code fsync=0|1} and {@code volatile} (lamina syncs when asked; skipping it is
 *       only faster), {@code static_nlink} (lamina's directory link counts are already cheap), {@code noacl}
 *       (lamina never enables FUSE's POSIX ACL handling), {@code fast_ino=}, {@code writeback=},
 *       {@code threaded=}, {@code xino=on|off|auto} (inode numbers are always the backing ones, composed with a
 *       filesystem id when the layers span filesystems, and a copied-up file's its origin's: one FUSE mount has one
 *       st_dev, so the kernel's xino=off, which shows each layer's st_dev, cannot be reproduced), {@code noxattrs=0},
 *       {@code plugins=} (empty), and the kernel overlay's {@code userxattr}, {@code nfs_export=off}.
 *   <li>Refused: {@code xattr_permissions=1} (the privileged {@code security.containers.override_stat}),
 *       {@code noxattrs=1}, {@code ino32_t},
 *       {@code plugins=} naming a plugin, {@code nfs_export=on}.
 * </ul>
 */
final class OverlayfsOptions {
  /** Options the overlay core reads ({@link Unions#config}). */
  static final Set<String> FOR_THE_CORE =
      Set.of("uidmapping", "gidmapping", "squash_to_uid", "squash_to_gid", "squash_to_root", "xattr_permissions",
          "redirect_dir", "metacopy", "index");

  private OverlayfsOptions() {}

  /** Checks the value of an option the core reads (numbers are checked before, by {@link OptionValues}). */
  static void checkForTheCore(String key, String value) {
    if (key.equals("xattr_permissions") && value != null && value.trim().equals("1")) {
      throw new IllegalArgumentException(
          "xattr_permissions=1 (owner and mode in the privileged security.containers.override_stat xattr) is"
              + " not supported by lamina: use xattr_permissions=2 (user.containers.override_stat) or leave it out");
    }
    if (key.equals("redirect_dir")) {
      dev.lamina.union.RedirectDir.parse(value);
    }
    if (key.equals("metacopy")) {
      parseMetacopy(value);
    }
    if (key.equals("index")) {
      parseIndex(value);
    }
    if (key.equals("squash_to_root") && value != null) {
      throw new IllegalArgumentException("squash_to_root takes no value (got squash_to_root=" + value + ")");
    }
  }

  /** The value of metacopy= (on or off, as the kernel overlay's). */
  static boolean parseMetacopy(String value) {
    return switch (value == null ? "" : value.trim()) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException("metacopy=" + value + " is not understood: use metacopy=on or off");
    };
  }

  /** The value of index= (on or off, as the kernel overlay's). */
  static boolean parseIndex(String value) {
    return switch (value == null ? "" : value.trim()) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException("index=" + value + " is not understood: use index=on or off");
    };
  }

  /** Throws when a known option asks for semantics lamina does not implement; other options pass. */
  static void refuseUnsupported(String key, String value) {
    String v = value == null ? "" : value.trim();
    String why =
        switch (key) {
          case "noxattrs" -> v.equals("1") ? "lamina always serves extended attributes; leave noxattrs out" : null;
          case "ino32_t" -> "lamina reports 64-bit inode numbers; 32-bit ones (ino32_t) are not supported";
          case "plugins" ->
              v.isEmpty() ? null : "lamina has no fuse-overlayfs plugins (lazy-pulling layers); leave plugins= out";
          case "xino" -> v.equals("on") || v.equals("off") || v.equals("auto") ? null
              : "xino takes on, off or auto (lamina numbers inodes as the kernel's xino=auto does with each of them)";
          case "nfs_export" ->
              v.equals("off") ? null : "lamina does not export the overlay over NFS; use nfs_export=off";
          default -> null;
        };
    if (why != null) {
      throw new IllegalArgumentException(
          "mount option " + key + (value == null ? "" : "=" + value) + " refused: " + why);
    }
  }
}
