package dev.lamina.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** An OCI image index or a Docker manifest list: descriptors of per-platform manifests (or of nested indexes). */
public record ImageIndex(String mediaType, List<Descriptor> manifests) {

  public ImageIndex {
    manifests = List.copyOf(manifests);
  }

  static ImageIndex parse(byte[] bytes, String what) throws ImageException {
    JsonNode root = Json.parse(bytes, what);
    JsonNode ms = root.get("manifests");
    if (ms == null || !ms.isArray()) {
      throw new ImageException(what + " has no \"manifests\" array");
    }
    List<Descriptor> out = new ArrayList<>();
    for (int i = 0; i < ms.size(); i++) {
      out.add(Descriptor.parse(ms.get(i), "manifest " + (i + 1) + " in " + what));
    }
    return new ImageIndex(Json.text(root, "mediaType"), out);
  }

  /** Whether a JSON document looks like an index (has "manifests") rather than a manifest (has "layers"). */
  static boolean looksLikeIndex(byte[] bytes, String what) throws ImageException {
    JsonNode root = Json.parse(bytes, what);
    String mt = Json.text(root, "mediaType");
    if (mt != null) {
      return MediaTypes.isIndex(mt);
    }
    return root.has("manifests") && !root.has("layers");
  }
}
