package dev.lamina.image;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a manifest (or an index) in a {@link BlobStore} into an {@link Image}: follows indexes to the platform's
 * manifest, reads and verifies the manifest and config blobs, pairs layer descriptors with diff_ids.
 */
final class ImageAssembler {
  private static final int MAX_INDEX_DEPTH = 4;

  private ImageAssembler() {}

  /**
   * Opens the image a descriptor points to. {@code platform} null means: the host platform for indexes, and no
   * check for single-platform manifests; an explicit platform is also checked against a single manifest's config.
   * A manifest chosen from an index is not checked against its config: the index entry the user chose is the
   * answer (as with skopeo --override-arch), whatever the config says.
   */
  static Image open(
      BlobStore store,
      Descriptor top,
      ImageReference ref,
      Platform platform,
      List<String> repoTags,
      List<String> repoDigests,
      Closeable resources)
      throws IOException {
    return open(store, top, ref, platform, repoTags, repoDigests, resources, false);
  }

  /** As above; {@code chosenFromIndex} says {@code top} is a manifest the caller already chose from an index. */
  static Image open(
      BlobStore store,
      Descriptor top,
      ImageReference ref,
      Platform platform,
      List<String> repoTags,
      List<String> repoDigests,
      Closeable resources,
      boolean chosenFromIndex)
      throws IOException {
    Descriptor d = top;
    boolean chosen = chosenFromIndex;
    String what = "the manifest of " + ref;
    byte[] bytes = store.readVerified(d, what);
    for (int depth = 0; ImageIndex.looksLikeIndex(bytes, what); depth++) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new ImageException(what + " nests indexes more than " + MAX_INDEX_DEPTH + " deep");
      }
      ImageIndex index = ImageIndex.parse(bytes, what);
      d = PlatformSelector.select(index, platform == null ? Platform.host() : platform, "the index of " + ref);
      what = "the " + (d.platform() == null ? "" : d.platform() + " ") + "manifest of " + ref;
      bytes = store.readVerified(d, what);
      chosen = true;
    }
    return fromManifest(store, d, bytes, ref, chosen ? null : platform, repoTags, repoDigests, resources, what);
  }

  /**
   * Builds the image from verified manifest bytes; {@code manifestDescriptor} may be null (dir: has none);
   * {@code platform} (null: none) is checked against the config.
   */
  static Image fromManifest(
      BlobStore store,
      Descriptor manifestDescriptor,
      byte[] manifestBytes,
      ImageReference ref,
      Platform platform,
      List<String> repoTags,
      List<String> repoDigests,
      Closeable resources,
      String what)
      throws IOException {
    Manifest manifest = Manifest.parse(manifestBytes, what);
    byte[] configBytes = store.readVerified(manifest.config(), "the config of " + ref);
    ImageConfig config = ImageConfig.parse(configBytes, "the config of " + ref);
    checkPlatform(config, platform, ref);
    checkLayerCount(manifest.layers().size(), config, ref);
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < manifest.layers().size(); i++) {
      Descriptor ld = manifest.layers().get(i);
      String path = store.path(ld.digest());
      String lw = "layer " + i + " (" + ld.digest() + ") of " + ref;
      if (!store.tree().exists(path)) {
        throw new ImageException(
            lw + " is missing from " + store.tree().describe() + " (expected " + path
                + "); the image is incomplete: copy it again, e.g. with skopeo copy");
      }
      FileTree tree = store.tree();
      layers.add(new Layer.Blob(i, ld, config.diffIds().get(i), true, () -> tree.open(path), lw));
    }
    return new Image(ref, manifestDescriptor, manifest, configBytes, config, repoTags, repoDigests, layers, resources);
  }

  static void checkLayerCount(int layers, ImageConfig config, ImageReference ref) throws ImageException {
    if (layers != config.diffIds().size()) {
      throw new ImageException(
          ref + " has " + layers + " layers but its config lists " + config.diffIds().size()
              + " rootfs.diff_ids; the image is corrupt");
    }
  }

  /** Checks an explicit platform against a single-platform image's config (never one chosen from an index). */
  static void checkPlatform(ImageConfig config, Platform platform, ImageReference ref) throws ImageException {
    if (platform != null && config.architecture() != null && !platform.accepts(config.platform())) {
      throw new ImageException(
          ref + " is a single-platform image for " + config.platform() + ", not for the requested " + platform
              + "; run it with --platform " + config.platform() + " (or without --platform)");
    }
  }
}
