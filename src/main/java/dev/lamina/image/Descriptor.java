package dev.lamina.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * An OCI content descriptor: what a blob is ({@code mediaType}, possibly null when the image omits it), its
 * {@code digest} and {@code size}, and, in an index, the {@code platform} it is for.
 */
public record Descriptor(
    String mediaType, Digest digest, long size, Platform platform, Map<String, String> annotations) {

  public static final String REF_NAME = "org.opencontainers.image.ref.name";

  public Descriptor {
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, null, Map.of());
  }

  /** Parses a descriptor object; {@code where} names it in errors (e.g. "layer 2 of the manifest of oci:/x"). */
  static Descriptor parse(JsonNode node, String where) throws ImageException {
    if (node == null || !node.isObject()) {
      throw new ImageException(where + ": expected a descriptor object");
    }
    Digest digest;
    try {
      digest = Digest.parse(Json.text(node, "digest"));
    } catch (IllegalArgumentException e) {
      throw new ImageException(where + ": " + e.getMessage());
    }
    long size = Json.longValue(node, "size", -1);
    if (size < 0) {
      throw new ImageException(where + ": descriptor of " + digest + " has no valid size");
    }
    Platform platform = null;
    JsonNode p = node.get("platform");
    if (p != null && p.isObject() && Json.text(p, "os") != null && Json.text(p, "architecture") != null) {
      platform = new Platform(Json.text(p, "os"), Json.text(p, "architecture"), Json.text(p, "variant"));
    }
    Map<String, String> annotations = Json.stringMap(node, "annotations");
    return new Descriptor(Json.text(node, "mediaType"), digest, size, platform, annotations);
  }

  /** The tag this descriptor carries in an OCI index, or null. */
  public String refName() {
    return annotations.get(REF_NAME);
  }
}
