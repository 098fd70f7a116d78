package dev.lamina.layer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How OCI whiteouts ({@code .wh.NAME}, {@code .wh..wh..opq}) land on disk. The tar loop only calls
 * {@link #whiteout} and {@link #opaque}; the on-disk form is this parameter (containerd's ConvertWhiteout,
 * umoci's OnDiskFormat).
 */
public sealed interface WhiteoutFormat {
  String WH_PREFIX = ".wh.";
  String OPAQUE = ".wh..wh..opq";

  /** Records that {@code name} in {@code dir} hides the lower layers' entry of that name. */
  void whiteout(NodeOps ops, Path dir, String name) throws IOException;

  /** Records that {@code dir} hides the lower layers' directory of that name. */
  void opaque(NodeOps ops, Path dir) throws IOException;

  /** The overlay forms keep whiteouts as entries in the diff dir, so their parents must exist. */
  default boolean keepsMarkers() {
    return true;
  }

  /** The format for extraction by this process: overlay char devices as root, {@code .wh.} files otherwise. */
  static WhiteoutFormat forUid(int euid) {
    return euid == 0 ? new OverlayWhiteouts("trusted.") : new WhiteoutFiles();
  }

  /**
   * Docker overlay2's on-disk form, which the kernel's overlayfs mounts directly: a 0/0 character device per
   * whiteout and {@code PREFIXoverlay.opaque=y} on opaque directories. {@code trusted.} needs
   * CAP_SYS_ADMIN; {@code user.} is the kernel's userxattr form (5.11+).
   */
  record OverlayWhiteouts(String xattrPrefix) implements WhiteoutFormat {
    @Override
    public void whiteout(NodeOps ops, Path dir, String name) throws IOException {
      Path p = dev.lamina.sys.FileNames.resolve(dir, name);
      // OCI: a whiteout only hides lower layers; an entry of this layer with the same name stays.
      if (SafePath.lstat(p) == null) {
        ops.mknod(p, OverrideStat.S_IFCHR, 0);
      }
    }

    @Override
    public void opaque(NodeOps ops, Path dir) throws IOException {
      ops.lsetxattr(dir, xattrPrefix + "overlay.opaque", new byte[] {'y'});
    }
  }

  /**
   * The rootless form (what fuse-overlayfs and containers-storage read without privileges): whiteouts stay
   * as empty {@code .wh.NAME} files, and an opaque directory keeps its {@code .wh..wh..opq} file and also
   * gets {@code user.overlay.opaque=y}.
   */
  record WhiteoutFiles() implements WhiteoutFormat {
    @Override
    public void whiteout(NodeOps ops, Path dir, String name) throws IOException {
      touch(dev.lamina.sys.FileNames.resolve(dir, WH_PREFIX + name));
    }

    @Override
    public void opaque(NodeOps ops, Path dir) throws IOException {
      touch(dir.resolve(OPAQUE));
      ops.lsetxattr(dir, "user.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
    }

    private static void touch(Path p) throws IOException {
      if (SafePath.lstat(p) == null) {
        Files.createFile(p);
      }
    }
  }

  /**
   * Applies whiteouts by deleting (a flat rootfs, as {@code umoci unpack} and containerd's default do). Only
   * entries of lower layers are removed; the extractor passes what this layer created in {@link Applied}.
   */
  record ApplyWhiteouts() implements WhiteoutFormat {
    @Override
    public void whiteout(NodeOps ops, Path dir, String name) throws IOException {
      Trees.deleteRecursively(dev.lamina.sys.FileNames.resolve(dir, name));
    }

    @Override
    public void opaque(NodeOps ops, Path dir) throws IOException {
      throw new UnsupportedOperationException("opaque directories are applied by the extractor");
    }

    @Override
    public boolean keepsMarkers() {
      return false;
    }
  }
}
