package dev.lamina.difftest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A way to mount lower layers + upper + work dir at a mount point: kernel overlayfs, lamina, ... */
interface OverlayTarget {

  /** Short name used in directory names and failure messages. */
  String name();

  /** Why this target cannot run here, or null when it can. */
  String unavailableReason();

  /** Mounts and returns once the mount is live; closing unmounts (and ends any daemon). */
  Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt) throws IOException;

  /** The same with {@code options} (comma-separated, "" for none) added to the mount options. */
  default Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt, String options) throws IOException {
    if (!options.isEmpty()) {
      throw new UnsupportedOperationException(name() + " takes no extra mount options (" + options + ")");
    }
    return mount(lowers, upper, work, mnt);
  }

  /** A live mount. */
  interface Mounted extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /**
   * The overlay option string shared by all targets: leftmost lowerdir is the top layer; without an
   * upper dir (null) the mount is read-only.
   */
  static String layerOptions(List<Path> lowers, Path upper, Path work) {
    return "lowerdir=" + lowers.stream().map(Path::toString).collect(Collectors.joining(":"))
        + (upper == null ? "" : ",upperdir=" + upper + ",workdir=" + work);
  }
}
