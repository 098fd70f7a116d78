package dev.lamina.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Root or rootless. Rootless, every driver run happens inside a user namespace where the caller is root
 * ({@code unshare -Ur}), so all targets see the same owners; kernel overlayfs is mounted inside its own
 * {@code unshare -Urm} with {@code userxattr}, and the layers' opaque markers are {@code user.overlay.opaque}.
 */
public record RunMode(boolean rootless) {

  public static RunMode current() {
    return new RunMode(!Shell.isRoot());
  }

  public String describe() {
    return rootless
        ? "rootless: kernel overlayfs inside `unshare -Urm` with userxattr, every target read from a user"
            + " namespace (unshare -Ur), opaque markers as user.overlay.opaque"
        : "root: kernel overlayfs mounted directly, opaque markers as trusted.overlay.opaque";
  }

  /** The prefix every driver run gets. */
  public List<String> driverPrefix() {
    return rootless ? List.of("unshare", "-Ur") : List.of();
  }

  /** Runs the driver the way this mode does. */
  public FsDriver.Result driver(Path root, List<Step> steps, boolean snapshot, Path upper) throws IOException {
    return FsDriver.run(driverPrefix(), root, steps, snapshot, upper, rootless);
  }

  /**
   * A prefix that mounts an overlay with {@code options} at {@code mnt} in a fresh user and mount namespace
   * and then runs the command after it there (the mount lives as long as that command).
   */
  public static List<String> inMountNamespace(String options, Path mnt) {
    return List.of("unshare", "-Urm", "sh", "-c",
        "o=$1; m=$2; shift 2; mount -t overlay overlay -o \"$o\" \"$m\" || exit 97; exec \"$@\"", "sh",
        options, mnt.toString());
  }
}
