package dev.lamina.layer;

import java.util.function.LongConsumer;

/**
 * How a layer is written to disk.
 *
 * @param whiteouts the on-disk form of whiteouts and opaque directories
 * @param ownership whether ownership is applied with lchown (root) or recorded in the override xattr
 * @param limits what one layer may expand to
 * @param ops the host calls beyond java.nio
 * @param progress receives the number of content bytes written, as they are written
 */
public record ExtractOptions(
    WhiteoutFormat whiteouts, Ownership ownership, LayerLimits limits, NodeOps ops, LongConsumer progress) {

  /** Where the owner, setuid bits and file types of a layer are kept. */
  public enum Ownership {
    /** lchown/chmod to the tar's values (needs root). */
    CHOWN,
    /**
     * Files are owned by the extracting user with a mode it can use; the tar's uid, gid, mode and type go into
     * {@code user.containers.override_stat} (regular files and directories; symlinks cannot carry user xattrs).
     */
    OVERRIDE_XATTR
  }

  /** The defaults for a process with effective uid {@code euid}: overlay form and chown as root, rootless otherwise. */
  public static ExtractOptions forUid(int euid, NodeOps ops) {
    return new ExtractOptions(
        WhiteoutFormat.forUid(euid),
        euid == 0 ? Ownership.CHOWN : Ownership.OVERRIDE_XATTR,
        LayerLimits.DEFAULT,
        ops,
        n -> {});
  }

  public ExtractOptions withWhiteouts(WhiteoutFormat w) {
    return new ExtractOptions(w, ownership, limits, ops, progress);
  }

  public ExtractOptions withOwnership(Ownership o) {
    return new ExtractOptions(whiteouts, o, limits, ops, progress);
  }

  public ExtractOptions withLimits(LayerLimits l) {
    return new ExtractOptions(whiteouts, ownership, l, ops, progress);
  }

  public ExtractOptions withProgress(LongConsumer p) {
    return new ExtractOptions(whiteouts, ownership, limits, ops, p);
  }
}
