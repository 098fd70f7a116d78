package dev.lamina.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The image configuration (OCI image-spec config.md, which Docker's image JSON extends). List and map fields are
 * null when the image omits them, because docker inspect shows {@code null} there, not an empty value. Timestamps
 * are kept as the text the image carries (RFC 3339), so they round-trip exactly.
 */
public record ImageConfig(
    String architecture,
    String os,
    String variant,
    String osVersion,
    String created,
    String author,
    String comment,
    ContainerConfig config,
    String rootfsType,
    List<Digest> diffIds,
    List<History> history) {

  public ImageConfig {
    diffIds = List.copyOf(diffIds);
    history = List.copyOf(history);
  }

  /** The {@code config} object: how a container from this image runs. */
  public record ContainerConfig(
      String user,
      List<String> env,
      List<String> entrypoint,
      List<String> cmd,
      String workingDir,
      List<String> exposedPorts,
      List<String> volumes,
      Map<String, String> labels,
      String stopSignal) {

    static final ContainerConfig EMPTY = new ContainerConfig(null, null, null, null, null, null, null, null, null);
  }

  /** One history entry; {@code emptyLayer} entries (ENV, CMD, ...) have no layer in rootfs.diff_ids. */
  public record History(String created, String createdBy, String author, String comment, boolean emptyLayer) {}

  /** The platform this config declares. */
  public Platform platform() {
    return new Platform(os == null ? "linux" : os, architecture == null ? "unknown" : architecture, variant);
  }

  /** Parses a config blob; {@code what} names it in errors. */
  public static ImageConfig parse(byte[] bytes, String what) throws ImageException {
    JsonNode root = Json.parse(bytes, what);
    if (!root.isObject()) {
      throw new ImageException(what + ": expected a JSON object");
    }
    JsonNode c = root.get("config");
    ContainerConfig cc =
        c == null || c.isNull()
            ? ContainerConfig.EMPTY
            : new ContainerConfig(
                Json.text(c, "User"),
                Json.strings(c, "Env"),
                Json.strings(c, "Entrypoint"),
                Json.strings(c, "Cmd"),
                Json.text(c, "WorkingDir"),
                Json.keys(c, "ExposedPorts"),
                Json.keys(c, "Volumes"),
                Json.stringMap(c, "Labels"),
                Json.text(c, "StopSignal"));
    JsonNode rootfs = root.get("rootfs");
    if (rootfs == null || !rootfs.isObject()) {
      throw new ImageException(what + " has no \"rootfs\" object, so its layers cannot be verified");
    }
    List<Digest> diffIds = new ArrayList<>();
    JsonNode ids = rootfs.get("diff_ids");
    if (ids != null && ids.isArray()) {
      for (JsonNode id : ids) {
        try {
          diffIds.add(Digest.parse(id.asText()));
        } catch (IllegalArgumentException e) {
          throw new ImageException(what + ": bad rootfs.diff_ids entry: " + e.getMessage());
        }
      }
    }
    List<History> history = new ArrayList<>();
    JsonNode hs = root.get("history");
    if (hs != null && hs.isArray()) {
      for (JsonNode h : hs) {
        history.add(
            new History(
                Json.text(h, "created"),
                Json.text(h, "created_by"),
                Json.text(h, "author"),
                Json.text(h, "comment"),
                h.path("empty_layer").asBoolean(false)));
      }
    }
    return new ImageConfig(
        Json.text(root, "architecture"),
        Json.text(root, "os"),
        Json.text(root, "variant"),
        Json.text(root, "os.version"),
        Json.text(root, "created"),
        Json.text(root, "author"),
        Json.text(root, "comment"),
        cc,
        Json.text(rootfs, "type"),
        diffIds,
        history);
  }
}
