package dev.lamina.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A way to mount lower layers + upper + work dir at a mount point: kernel overlayfs, lamina, ... */
public interface OverlayTarget {

  /** Short name used in directory names and failure messages. */
  String name();

  /** Why this target cannot run here, or null when it can. */
  String unavailableReason();

  /** Mounts and returns once the mount is live; closing unmounts (and ends any daemon). */
  Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt) throws IOException;

  /**
   * A command prefix under which the driver sees this target mounted (for a mount that lives in a namespace
   * of one command, like rootless kernel overlayfs), or null: then {@link #mount} first.
   */
  default List<String> driverPrefix(List<Path> lowers, Path upper, Path work, Path mnt, String options) {
    return null;
  }

  /** The same with {@code options} (comma-separated, "" for none) added to the mount options. */
  default Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt, String options) throws IOException {
    if (!options.isEmpty()) {
      throw new IOException(name() + " takes no extra mount options (" + options + ")");
    }
    return mount(lowers, upper, work, mnt);
  }

  /** A live mount. */
  public interface Mounted extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /**
   * The overlay option string shared by all targets: leftmost lowerdir is the top layer; without an
   * upper dir (null) the mount is read-only.
   */
  public static String layerOptions(List<Path> lowers, Path upper, Path work) {
    return "lowerdir=" + lowers.stream().map(Path::toString).collect(Collectors.joining(":"))
        + (upper == null ? "" : ",upperdir=" + upper + ",workdir=" + work);
  }
}
