package dev.lamina.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code docker save} archives through their {@code manifest.json}: the classic layout ({@code <hex>.json}
 * config, {@code <id>/layer.tar} or skopeo's {@code <diff_id>.tar}) and the Docker 25+ one, where the same
 * manifest.json points into an OCI layout ({@code blobs/sha256/<hex>}). docker save layers are uncompressed tars
 * named by their diff_id, so each layer is verified against the diff_id, and against the blob digest too when its
 * path names one.
 */
final class DockerArchiveReader {
  private static final Pattern BLOB_PATH = Pattern.compile("blobs/(sha256|sha512)/([0-9a-f]+)");
  private static final Pattern INDEX = Pattern.compile("@(\\d+)");

  private DockerArchiveReader() {}

  static Image read(ImageReference.DockerArchive ref, Platform platform) throws IOException {
    if (!Files.isRegularFile(ref.file())) {
      throw new ImageException(ref.file() + " does not exist or is not a file: expected a docker save archive");
    }
    TarTree tree = new TarTree(ref.file());
    try {
      return read(tree, ref, platform);
    } catch (IOException | RuntimeException e) {
      tree.close();
      throw e;
    }
  }

  private static Image read(TarTree tree, ImageReference.DockerArchive ref, Platform platform) throws IOException {
    if (!tree.exists("manifest.json")) {
      throw new ImageException(
          tree.describe() + " has no manifest.json, so it is not a docker save archive"
              + (tree.exists("oci-layout") ? "; it has oci-layout: use oci-archive:" + ref.file() : ""));
    }
    String what = "manifest.json of " + ref;
    JsonNode root = Json.parse(tree.readSmall("manifest.json", BlobStore.METADATA_LIMIT), what);
    if (!root.isArray() || root.isEmpty()) {
      throw new ImageException(what + " is not a non-empty array of images");
    }
    JsonNode entry = pick(root, ref);
    String configPath = FileTree.clean(Json.text(entry, "Config"), what);
    byte[] configBytes = tree.readSmall(configPath, BlobStore.METADATA_LIMIT);
    Digest configDigest = Digest.sha256Of(configBytes);
    String named = namedHex(configPath);
    if (named != null && !named.equals(configDigest.hex())) {
      throw new BlobMismatchException(
          "the config " + configPath + " in " + tree.describe() + " has digest " + configDigest
              + ", not the one its name says; the archive is corrupt: save it again");
    }
    ImageConfig config = ImageConfig.parse(configBytes, "the config of " + ref);
    ImageAssembler.checkPlatform(config, platform, ref);
    List<String> layerPaths = Json.strings(entry, "Layers");
    if (layerPaths == null) {
      throw new ImageException(what + ": the image entry has no Layers list");
    }
    ImageAssembler.checkLayerCount(layerPaths.size(), config, ref);
    List<Layer> layers = new ArrayList<>();
    List<Descriptor> descriptors = new ArrayList<>();
    for (int i = 0; i < layerPaths.size(); i++) {
      String path = FileTree.clean(layerPaths.get(i), what);
      Digest diffId = config.diffIds().get(i);
      Matcher m = BLOB_PATH.matcher(path);
      boolean named2 = m.matches();
      Digest blobDigest = named2 ? new Digest(m.group(1), m.group(2)) : diffId;
      Descriptor d =
          new Descriptor(
              named2 ? MediaTypes.OCI_LAYER : MediaTypes.DOCKER_LAYER, blobDigest, tree.size(path));
      descriptors.add(d);
      String lw = "layer " + i + " (" + path + ") of " + ref;
      layers.add(new Layer.Blob(i, d, diffId, named2, () -> tree.open(path), lw));
    }
    Descriptor configDescriptor = new Descriptor(MediaTypes.DOCKER_CONFIG, configDigest, configBytes.length);
    Manifest manifest = new Manifest(2, MediaTypes.DOCKER_MANIFEST, configDescriptor, descriptors, null);
    List<String> tags = Json.strings(entry, "RepoTags");
    return new Image(
        ref, null, manifest, configBytes, config, tags == null ? List.of() : tags, List.of(), layers, tree);
  }

  private static String namedHex(String path) {
    String base = path.substring(path.lastIndexOf('/') + 1);
    if (base.endsWith(".json")) {
      base = base.substring(0, base.length() - 5);
    }
    return base.matches("[0-9a-f]{64}") ? base : null;
  }

  /** The entry for NAME:TAG or @N, or the only one. */
  private static JsonNode pick(JsonNode root, ImageReference.DockerArchive ref) throws ImageException {
    List<String> all = new ArrayList<>();
    root.forEach(e -> {
      List<String> t = Json.strings(e, "RepoTags");
      all.add(t == null || t.isEmpty() ? "(untagged)" : String.join(" ", t));
    });
    String name = ref.name();
    if (name == null) {
      if (root.size() == 1) {
        return root.get(0);
      }
      throw new ImageException(
          ref + " holds " + root.size() + " images (" + String.join(", ", all)
              + "); name one, as docker-archive:FILE:NAME:TAG or docker-archive:FILE:@N");
    }
    Matcher m = INDEX.matcher(name);
    if (m.matches()) {
      int n = Integer.parseInt(m.group(1));
      if (n >= root.size()) {
        throw new ImageException(ref + " holds only " + root.size() + " images (@0 to @" + (root.size() - 1) + ")");
      }
      return root.get(n);
    }
    for (JsonNode e : root) {
      List<String> tags = Json.strings(e, "RepoTags");
      if (tags != null && tags.stream().anyMatch(t -> RefNames.matches(t, name))) {
        return e;
      }
    }
    throw new ImageException(ref + " has no image named " + name + "; images present: " + String.join(", ", all));
  }
}
