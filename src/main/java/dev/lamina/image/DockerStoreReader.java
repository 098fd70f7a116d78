package dev.lamina.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads an image from Docker's overlay2 store (the classic graph driver, not the containerd image store of Docker
 * 29+): {@code image/overlay2/repositories.json} maps names to ids, {@code imagedb/content/sha256/<id>} holds the
 * config, {@code layerdb/sha256/<chain id>/{diff,cache-id,size}} map each layer to {@code overlay2/<cache-id>/diff},
 * the extracted layer used in place.
 */
final class DockerStoreReader {
  private DockerStoreReader() {}

  static Image read(ImageReference.DockerStore ref, Platform platform) throws IOException {
    Path root = ref.root();
    Path imageRoot = root.resolve("image/overlay2");
    Path content = imageRoot.resolve("imagedb/content/sha256");
    if (!Files.isDirectory(content)) {
      throw new ImageException(
          root + " is not a Docker store with the overlay2 driver (no " + content + "); give the data root as "
              + "docker-store:[ROOT]IMAGE (default /var/lib/docker); Docker's containerd image store is not supported");
    }
    Map<String, List<String>> names = names(imageRoot.resolve("repositories.json"), ref);
    String id = StoreLookup.resolve(ref, ref.image(), ids(content), names);
    Path configFile = content.resolve(id);
    byte[] configBytes = Files.readAllBytes(configFile);
    Digest configDigest = Digest.sha256Of(configBytes);
    if (!configDigest.hex().equals(id)) {
      throw new BlobMismatchException(
          configFile + " has digest " + configDigest + ", not the id it is stored under; the Docker store is corrupt");
    }
    ImageConfig config = ImageConfig.parse(configBytes, "the config of " + ref + " (" + configFile + ")");
    ImageAssembler.checkPlatform(config, platform, ref);
    List<Layer> layers = new ArrayList<>();
    List<Descriptor> descriptors = new ArrayList<>();
    Digest chain = null;
    for (int i = 0; i < config.diffIds().size(); i++) {
      Digest diffId = config.diffIds().get(i);
      chain = chain == null ? diffId : Digest.sha256Of((chain + " " + diffId).getBytes(StandardCharsets.UTF_8));
      Path meta = imageRoot.resolve("layerdb/sha256/" + chain.hex());
      String lw = "layer " + i + " (" + diffId + ") of " + ref;
      if (!Files.isDirectory(meta)) {
        throw new ImageException(lw + ": its layer metadata " + meta + " is missing; the Docker store is incomplete");
      }
      String recorded = read(meta.resolve("diff"), lw);
      if (!recorded.equals(diffId.toString())) {
        throw new BlobMismatchException(
            lw + ": " + meta.resolve("diff") + " records " + recorded + ", not the config's diff_id");
      }
      String cacheId = read(meta.resolve("cache-id"), lw);
      if (!cacheId.matches("[0-9a-zA-Z_-]+")) {
        throw new ImageException(lw + ": " + meta.resolve("cache-id") + " holds a malformed id '" + cacheId + "'");
      }
      Path diff = root.resolve("overlay2").resolve(cacheId).resolve("diff");
      if (!Files.isDirectory(diff)) {
        throw new ImageException(lw + ": its extracted directory " + diff + " is missing; the Docker store is incomplete");
      }
      long size = -1;
      if (Files.isRegularFile(meta.resolve("size"))) {
        try {
          size = Long.parseLong(read(meta.resolve("size"), lw));
        } catch (NumberFormatException e) {
          throw new ImageException(lw + ": " + meta.resolve("size") + " does not hold a number");
        }
      }
      // docker keeps no compressed blob: describe the layer as the uncompressed tar it was extracted from
      Descriptor d = new Descriptor(MediaTypes.DOCKER_LAYER, diffId, Math.max(size, 0));
      descriptors.add(d);
      layers.add(new Layer.DiffDir(i, d, diffId, diff, size));
    }
    Descriptor configDescriptor = new Descriptor(MediaTypes.DOCKER_CONFIG, configDigest, configBytes.length);
    Manifest manifest = new Manifest(2, MediaTypes.DOCKER_MANIFEST, configDescriptor, descriptors, null);
    List<String> tags = new ArrayList<>();
    List<String> digests = new ArrayList<>();
    names.getOrDefault(id, List.of()).forEach(n -> (n.contains("@") ? digests : tags).add(n));
    return new Image(ref, null, manifest, configBytes, config, tags, digests, layers, null);
  }

  private static String read(Path file, String what) throws ImageException {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new ImageException(what + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<String> ids(Path content) throws IOException {
    try (Stream<Path> s = Files.list(content)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}")).sorted().toList();
    }
  }

  /** id -> names (name:tag and name@digest) from repositories.json; empty when the file is absent. */
  private static Map<String, List<String>> names(Path file, ImageReference ref) throws IOException {
    Map<String, List<String>> out = new java.util.HashMap<>();
    if (!Files.isRegularFile(file)) {
      return out;
    }
    JsonNode repos = Json.parse(Files.readAllBytes(file), file + " of " + ref).path("Repositories");
    for (Iterator<JsonNode> it = repos.elements(); it.hasNext(); ) {
      for (Iterator<Map.Entry<String, JsonNode>> tags = it.next().fields(); tags.hasNext(); ) {
        Map.Entry<String, JsonNode> e = tags.next();
        String id = e.getValue().asText();
        if (id.startsWith("sha256:")) {
          out.computeIfAbsent(id.substring(7), k -> new ArrayList<>()).add(e.getKey());
        }
      }
    }
    return out;
  }
}
