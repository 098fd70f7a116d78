package dev.lamina.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An image manifest (OCI or Docker schema 2): the config descriptor and the ordered layer descriptors. */
public record Manifest(
    int schemaVersion,
    String mediaType,
    Descriptor config,
    List<Descriptor> layers,
    Map<String, String> annotations) {

  public Manifest {
    layers = List.copyOf(layers);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  /**
   * Parses a manifest. {@code what} names it in errors. Layer media types must be layer types (or absent): a
   * foreign type such as a Helm chart or a Singularity image is rejected with its name.
   */
  static Manifest parse(byte[] bytes, String what) throws ImageException {
    JsonNode root = Json.parse(bytes, what);
    int schema = (int) Json.longValue(root, "schemaVersion", -1);
    if (schema == 1) {
      throw new ImageException(
          what + " is a Docker schema 1 manifest, which lamina does not read; convert it first, e.g. "
              + "skopeo copy --format oci SRC oci:DIR");
    }
    if (schema != 2) {
      throw new ImageException(what + " has schemaVersion " + schema + ", expected 2");
    }
    String mediaType = Json.text(root, "mediaType");
    if (mediaType != null && !MediaTypes.isManifest(mediaType)) {
      throw new ImageException(
          what + " has media type " + mediaType + ", expected " + MediaTypes.OCI_MANIFEST + " or "
              + MediaTypes.DOCKER_MANIFEST);
    }
    Descriptor config = Descriptor.parse(root.get("config"), "the config descriptor in " + what);
    if (!MediaTypes.isConfigOrAbsent(config.mediaType())) {
      throw new ImageException(
          what + " has a config of media type " + config.mediaType() + ", not an OCI or Docker image config: it is "
              + "an artifact (chart, signature, SBOM, ...), not a container image lamina can use");
    }
    JsonNode ls = root.get("layers");
    if (ls == null || !ls.isArray()) {
      throw new ImageException(what + " has no \"layers\" array");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < ls.size(); i++) {
      Descriptor d = Descriptor.parse(ls.get(i), "layer " + i + " in " + what);
      if (!MediaTypes.isLayerOrAbsent(d.mediaType())) {
        throw new ImageException(
            "layer " + i + " (" + d.digest() + ") in " + what + " has media type " + d.mediaType()
                + ", which is not an OCI or Docker layer type; this is not a container image lamina can use");
      }
      layers.add(d);
    }
    return new Manifest(schema, mediaType, config, layers, Json.stringMap(root, "annotations"));
  }
}
