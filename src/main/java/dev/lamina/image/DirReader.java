package dev.lamina.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads skopeo's {@code dir:} format: {@code manifest.json} (Docker schema 2 or OCI; an index when copied with
 * {@code --all}, its instances as {@code HEX.manifest.json}), blobs named by bare hex digest, and {@code version}.
 */
final class DirReader {
  private DirReader() {}

  static Image read(ImageReference.Dir ref, Platform platform) throws IOException {
    Path dir = ref.dir();
    if (!Files.isDirectory(dir)) {
      throw new ImageException(dir + " is not a directory: expected a dir: image as skopeo copy writes it");
    }
    DirTree tree = new DirTree(dir);
    if (!tree.exists("manifest.json")) {
      throw new ImageException(
          dir + " has no manifest.json, so it is not a dir: image"
              + (tree.exists("oci-layout") ? "; it has oci-layout: use oci:" + dir : ""));
    }
    byte[] bytes = tree.readSmall("manifest.json", BlobStore.METADATA_LIMIT);
    BlobStore store = BlobStore.dir(tree);
    String what = "manifest.json of " + ref;
    if (ImageIndex.looksLikeIndex(bytes, what)) {
      ImageIndex index = ImageIndex.parse(bytes, what);
      Descriptor d = PlatformSelector.select(index, platform == null ? Platform.host() : platform, what);
      return ImageAssembler.open(store, d, ref, platform, List.of(), List.of(), tree, true);
    }
    // dir: has no descriptor for its top manifest: describe it by its own digest
    Descriptor self =
        new Descriptor(mediaTypeOf(bytes, what), Digest.sha256Of(bytes), bytes.length);
    return ImageAssembler.fromManifest(store, self, bytes, ref, platform, List.of(), List.of(), tree, what);
  }

  private static String mediaTypeOf(byte[] bytes, String what) throws ImageException {
    String mt = Json.text(Json.parse(bytes, what), "mediaType");
    return mt == null ? MediaTypes.OCI_MANIFEST : mt;
  }
}
