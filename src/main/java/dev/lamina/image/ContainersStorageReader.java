package dev.lamina.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an image from a containers-storage overlay store (podman, buildah, CRI-O): {@code overlay-images/images.json}
 * lists images (id, names, top layer, big-data items such as the manifest and config, stored under
 * {@code overlay-images/<id>/<encoded key>}), {@code overlay-layers/layers.json} chains layers by parent with their
 * diff digests, and {@code overlay/<layer id>/diff} is each extracted layer, used in place.
 */
final class ContainersStorageReader {
  private ContainersStorageReader() {}

  static Image read(ImageReference.ContainersStorage ref, Platform platform) throws IOException {
    Path root = ref.root();
    Path imagesJson = root.resolve("overlay-images/images.json");
    Path layersJson = root.resolve("overlay-layers/layers.json");
    if (!Files.isRegularFile(imagesJson)) {
      throw new ImageException(
          root + " is not a containers-storage store with the overlay driver (no " + imagesJson + "); give its "
              + "root as containers-storage:[ROOT]IMAGE (default /var/lib/containers/storage; rootless podman "
              + "uses ~/.local/share/containers/storage)");
    }
    JsonNode images = Json.parse(Files.readAllBytes(imagesJson), imagesJson.toString());
    Map<String, JsonNode> byId = new HashMap<>();
    Map<String, List<String>> names = new HashMap<>();
    List<String> ids = new ArrayList<>();
    for (JsonNode img : images) {
      String id = Json.text(img, "id");
      if (id == null) {
        continue;
      }
      byId.put(id, img);
      ids.add(id);
      List<String> n = Json.strings(img, "names");
      names.put(id, n == null ? List.of() : n);
    }
    Collections.sort(ids);
    String id = StoreLookup.resolve(ref, ref.image(), ids, names);
    JsonNode img = byId.get(id);
    Path bigData = root.resolve("overlay-images").resolve(id);

    String what = "the manifest of " + ref;
    byte[] manifestBytes = readBigData(bigData, "manifest", what);
    Descriptor manifestDescriptor =
        new Descriptor(null, Digest.sha256Of(manifestBytes), manifestBytes.length);
    boolean chosenFromIndex = ImageIndex.looksLikeIndex(manifestBytes, what);
    if (chosenFromIndex) {
      ImageIndex index = ImageIndex.parse(manifestBytes, what);
      manifestDescriptor =
          PlatformSelector.select(index, platform == null ? Platform.host() : platform, "the index of " + ref);
      manifestBytes =
          BlobStore.verify(
              readBigData(bigData, "manifest-" + manifestDescriptor.digest(), what), manifestDescriptor, what);
    }
    Manifest manifest = Manifest.parse(manifestBytes, what);
    byte[] configBytes =
        BlobStore.verify(
            readBigData(bigData, manifest.config().digest().toString(), "the config of " + ref),
            manifest.config(),
            "the config of " + ref);
    ImageConfig config = ImageConfig.parse(configBytes, "the config of " + ref);
    if (!chosenFromIndex) {
      ImageAssembler.checkPlatform(config, platform, ref); // the index entry chosen is the answer
    }

    List<JsonNode> chain = layerChain(layersJson, Json.text(img, "layer"), ref);
    ImageAssembler.checkLayerCount(chain.size(), config, ref);
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < chain.size(); i++) {
      JsonNode l = chain.get(i);
      Digest diffId = config.diffIds().get(i);
      String layerId = Json.text(l, "id");
      String lw = "layer " + i + " (" + layerId + ") of " + ref;
      String recorded = Json.text(l, "diff-digest");
      if (recorded != null && !recorded.equals(diffId.toString())) {
        throw new BlobMismatchException(lw + ": layers.json records diff digest " + recorded
            + ", but the config's diff_id is " + diffId + "; the store is corrupt");
      }
      if (!layerId.matches("[0-9a-f]{64}")) {
        throw new ImageException(lw + ": layers.json holds a malformed layer id");
      }
      Path diff = root.resolve("overlay").resolve(layerId).resolve("diff");
      if (!Files.isDirectory(diff)) {
        throw new ImageException(lw + ": its extracted directory " + diff + " is missing; the store is incomplete");
      }
      Descriptor d =
          i < manifest.layers().size()
              ? manifest.layers().get(i)
              : new Descriptor(MediaTypes.OCI_LAYER, diffId, Json.longValue(l, "diff-size", 0));
      // layers.json's diff-size is the tar's size, not the files' bytes: leave the size unknown
      layers.add(new Layer.DiffDir(i, d, diffId, diff, -1));
    }
    List<String> tags = names.get(id);
    List<String> digests = new ArrayList<>();
    String manifestDigest = Json.text(img, "digest");
    if (manifestDigest != null) {
      for (String n : tags) {
        int colon = n.lastIndexOf(':');
        String repo = colon > n.lastIndexOf('/') ? n.substring(0, colon) : n;
        String rd = repo + "@" + manifestDigest;
        if (!digests.contains(rd)) {
          digests.add(rd);
        }
      }
    }
    return new Image(ref, manifestDescriptor, manifest, configBytes, config, tags, digests, layers, null);
  }

  /** containers/storage's file name for a big-data key: the key itself if plain, else "=" + base64(key). */
  static String bigDataFileName(String key) {
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!(c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
        return "=" + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
      }
    }
    return key;
  }

  private static byte[] readBigData(Path dir, String key, String what) throws ImageException {
    Path f = dir.resolve(bigDataFileName(key));
    try {
      return Files.readAllBytes(f);
    } catch (IOException e) {
      throw new ImageException(what + ": cannot read " + f + " (big-data item '" + key + "'): " + e.getMessage()
          + "; the store is incomplete", e);
    }
  }

  /** The layers from the top one down its parent chain, returned bottom first. */
  private static List<JsonNode> layerChain(Path layersJson, String top, ImageReference ref) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (top == null || top.isEmpty()) {
      return out;
    }
    if (!Files.isRegularFile(layersJson)) {
      throw new ImageException(ref + ": " + layersJson + " is missing; the store is incomplete");
    }
    Map<String, JsonNode> byId = new HashMap<>();
    for (JsonNode l : Json.parse(Files.readAllBytes(layersJson), layersJson.toString())) {
      byId.put(Json.text(l, "id"), l);
    }
    for (String id = top; id != null && !id.isEmpty(); ) {
      JsonNode l = byId.get(id);
      if (l == null) {
        throw new ImageException(ref + ": layer " + id + " is not in " + layersJson + "; the store is incomplete");
      }
      if (out.size() > byId.size()) {
        throw new ImageException(ref + ": the parent chain in " + layersJson + " loops");
      }
      out.add(l);
      id = Json.text(l, "parent");
    }
    Collections.reverse(out);
    return out;
  }
}
