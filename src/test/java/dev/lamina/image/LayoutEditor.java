package dev.lamina.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Edits a copied single-image OCI layout the way an attacker or a bit flip would, re-linking the blobs above the
 * edit (config -> manifest -> index.json) so that only the intended inconsistency remains.
 */
final class LayoutEditor {
  private static final ObjectMapper M = new ObjectMapper();
  private final Path layout;

  LayoutEditor(Path layout) {
    this.layout = layout;
  }

  Path blob(Digest d) {
    return layout.resolve("blobs/sha256/" + d.hex());
  }

  ObjectNode index() throws IOException {
    return (ObjectNode) M.readTree(layout.resolve("index.json").toFile());
  }

  Digest manifestDigest() throws IOException {
    return Digest.parse(index().get("manifests").get(0).get("digest").asText());
  }

  ObjectNode manifest() throws IOException {
    return (ObjectNode) M.readTree(blob(manifestDigest()).toFile());
  }

  /** Rewrites the manifest and points index.json at the new blob. */
  void editManifest(Consumer<ObjectNode> edit) throws IOException {
    ObjectNode m = manifest();
    edit.accept(m);
    Digest d = store(M.writeValueAsBytes(m));
    ObjectNode idx = index();
    ObjectNode entry = (ObjectNode) idx.get("manifests").get(0);
    entry.put("digest", d.toString());
    entry.put("size", Files.size(blob(d)));
    Files.write(layout.resolve("index.json"), M.writeValueAsBytes(idx));
  }

  /** Rewrites the config and re-links manifest and index. */
  void editConfig(Consumer<ObjectNode> edit) throws IOException {
    ObjectNode m = manifest();
    Digest old = Digest.parse(m.get("config").get("digest").asText());
    ObjectNode c = (ObjectNode) M.readTree(blob(old).toFile());
    edit.accept(c);
    Digest d = store(M.writeValueAsBytes(c));
    editManifest(mm -> {
      ((ObjectNode) mm.get("config")).put("digest", d.toString());
      try {
        ((ObjectNode) mm.get("config")).put("size", Files.size(blob(d)));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  ObjectNode layer(ObjectNode manifest, int i) {
    return (ObjectNode) ((ArrayNode) manifest.get("layers")).get(i);
  }

  Digest store(byte[] bytes) throws IOException {
    Digest d = Digest.sha256Of(bytes);
    Files.write(blob(d), bytes);
    return d;
  }
}
