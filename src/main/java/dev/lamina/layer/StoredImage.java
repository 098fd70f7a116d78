package dev.lamina.layer;

import java.util.List;

/**
 * An image in lamina's store ({@code images/<id hex>/image.json}).
 *
 * @param id {@code sha256:<config digest>}, as docker prints image ids
 * @param repoTags names it carries ({@code name:tag}); a tag moves to the image loaded last
 * @param layers bottom first
 * @param created the config's creation time (RFC 3339 text), may be null
 * @param loaded when lamina stored it (RFC 3339)
 * @param source the reference it was loaded from
 * @param manifestMediaType the media type of the manifest it came with (null for docker-archive)
 * @param removed when {@code rmi -f} removed it while containers used it (it was untagged and is kept, with its
 *     layers, until the last of them is removed), else null
 */
public record StoredImage(
    String id,
    List<String> repoTags,
    List<String> repoDigests,
    List<StoredLayer> layers,
    String created,
    String loaded,
    String source,
    String manifestMediaType,
    String removed) {

  public StoredImage {
    repoTags = List.copyOf(repoTags);
    repoDigests = repoDigests == null ? List.of() : List.copyOf(repoDigests);
    layers = List.copyOf(layers);
  }

  /** The hex part of the id. */
  public String hex() {
    return id.substring(id.indexOf(':') + 1);
  }

  public String shortId() {
    return hex().substring(0, 12);
  }

  StoredImage withTags(List<String> tags) {
    return new StoredImage(id, tags, repoDigests, layers, created, loaded, source, manifestMediaType, removed);
  }

  StoredImage withRemoved(String when) {
    return new StoredImage(id, repoTags, repoDigests, layers, created, loaded, source, manifestMediaType, when);
  }

  /** Whether some layer is another engine's diff dir used in place. */
  public boolean usesLayersInPlace() {
    return layers.stream().anyMatch(l -> l.dir() != null);
  }

  /**
   * One layer of a stored image.
   *
   * @param diffId the uncompressed tar's digest; lamina's own layers live in {@code layers/<hex>/diff}
   * @param digest the blob digest from the manifest, mediaType and size its descriptor
   * @param dir an absolute diff dir of another engine's store used in place (docker-store:, containers-storage:),
   *     or null for a layer extracted by lamina
   */
  public record StoredLayer(String diffId, String digest, String mediaType, long blobSize, String dir) {}
}
