package dev.lamina.cli;

import dev.lamina.image.Platform;
import dev.lamina.layer.ContainerInfo;
import dev.lamina.layer.Containers;
import dev.lamina.layer.LayerStore;
import dev.lamina.layer.StoreImages;
import dev.lamina.layer.StoredImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code lamina mount REF MNT} form: loads the image if needed and turns it into the {@code -o lowerdir=,
 * upperdir=, workdir=} options of the directory form, with a named container's upper and work dirs from the store.
 */
final class StoreMount {
  /**
   * What to mount: the mount options and, unless read-only, the container whose upper dir is used
   * ({@code createdContainer} when this plan made it, so that a mount that fails removes it again).
   */
  record Plan(List<String> options, String container, StoredImage image, boolean createdContainer) {}

  private static final Logger LOG = LoggerFactory.getLogger(StoreMount.class);

  private StoreMount() {}

  static Plan plan(LayerStore store, String ref, String name, boolean readOnly, String platform)
      throws IOException {
    StoredImage img = StoreImages.ensure(
        store, ref, platform == null ? null : Platform.parse(platform), ProgressBar.stderr());
    List<Path> lowers = new ArrayList<>(store.mountableLowerDirs(img));
    if (lowers.isEmpty()) {
      throw new UserError("image " + img.shortId() + " has no layers to mount");
    }
    StringBuilder lower = new StringBuilder("lowerdir=");
    for (int i = lowers.size() - 1; i >= 0; i--) { // the top layer first, as overlayfs lists them
      lower.append(escape(lowers.get(i).toString()));
      if (i > 0) {
        lower.append(':');
      }
    }
    List<String> opts = new ArrayList<>(List.of(lower.toString()));
    if (readOnly) {
      if (name != null) {
        throw new UserError("--read-only mounts have no upper dir, so --name has nothing to keep");
      }
      return new Plan(opts, null, img, false);
    }
    Containers cs = store.containers();
    String n = name != null ? name : Containers.newName();
    Containers.Claim claim = cs.claim(n, img);
    ContainerInfo c = claim.info();
    if (cs.isMounted(c)) {
      throw new UserError("container '" + n + "' is already mounted on " + c.mountpoint()
          + "; two mounts must not share an upper dir (unmount it first, or choose another --name)");
    }
    opts.add("upperdir=" + escape(cs.upperDir(n).toString()));
    opts.add("workdir=" + escape(cs.workDir(n).toString()));
    return new Plan(opts, n, img, claim.created());
  }

  /**
   * Undoes what {@link #plan} did for a mount that never became live: removes the container it created, or
   * clears the mount point recorded on a re-used one. Failures are logged, so the mount's own error is the one shown.
   */
  static void undo(LayerStore store, Plan plan) {
    if (plan.container() == null) {
      return;
    }
    try {
      if (plan.createdContainer()) {
        store.containers().remove(plan.container());
      } else {
        store.containers().setMountpoint(plan.container(), null);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not remove the container {} of the failed mount: {}", plan.container(), e.toString());
    }
  }

  /** mount options separate with ',' and lowerdir with ':'; the fuse side unescapes "\:" and "\,". */
  private static String escape(String path) {
    return path.replace(":", "\\:").replace(",", "\\,");
  }
}
