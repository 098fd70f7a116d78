package dev.lamina.image;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * An opened image: its manifest, config and layers. Close it when done: archive-backed images hold a temporary
 * file or open the archive for each layer stream.
 */
public final class Image implements AutoCloseable {
  private final ImageReference reference;
  private final Descriptor manifestDescriptor;
  private final Manifest manifest;
  private final byte[] configBytes;
  private final ImageConfig config;
  private final List<String> repoTags;
  private final List<String> repoDigests;
  private final List<Layer> layers;
  private final Closeable resources;

  Image(
      ImageReference reference,
      Descriptor manifestDescriptor,
      Manifest manifest,
      byte[] configBytes,
      ImageConfig config,
      List<String> repoTags,
      List<String> repoDigests,
      List<Layer> layers,
      Closeable resources) {
    this.reference = reference;
    this.manifestDescriptor = manifestDescriptor;
    this.manifest = manifest;
    this.configBytes = configBytes.clone();
    this.config = config;
    this.repoTags = List.copyOf(repoTags);
    this.repoDigests = List.copyOf(repoDigests);
    this.layers = List.copyOf(layers);
    this.resources = resources;
  }

  /**
   * An image kept in lamina's own store, rebuilt by the layer store for {@link ImageReference.StoreName}: the
   * manifest and config it was loaded with, and its layers as the store's diff dirs ({@link Layer.DiffDir}).
   */
  public static Image stored(
      ImageReference ref,
      Manifest manifest,
      byte[] configBytes,
      List<String> repoTags,
      List<String> repoDigests,
      List<Layer> layers)
      throws ImageException {
    ImageConfig config = ImageConfig.parse(configBytes, "the config of " + ref + " in lamina's store");
    return new Image(ref, null, manifest, configBytes, config, repoTags, repoDigests, layers, null);
  }

  public ImageReference reference() {
    return reference;
  }

  /**
   * The descriptor of the manifest that was chosen (for a multi-platform index, the one for the platform), or null
   * when the source has no manifest of its own (docker-archive, docker-store) and {@link #manifest()} was built
   * from its metadata.
   */
  public Descriptor manifestDescriptor() {
    return manifestDescriptor;
  }

  public Manifest manifest() {
    return manifest;
  }

  public ImageConfig config() {
    return config;
  }

  /** The config blob exactly as stored (its sha256 is the image id). */
  public byte[] configBytes() {
    return configBytes.clone();
  }

  /** The config digest, which docker and podman use as the image id. */
  public Digest configDigest() {
    return manifest.config().digest();
  }

  /** The image id as docker prints it: {@code sha256:<config digest>}. */
  public String id() {
    return configDigest().toString();
  }

  /** Names the image carries in its source (docker-archive RepoTags, store names, OCI ref names like a:b). */
  public List<String> repoTags() {
    return repoTags;
  }

  /** {@code name@sha256:<manifest digest>} entries the source records. */
  public List<String> repoDigests() {
    return repoDigests;
  }

  /** The layers, bottom first; their count equals the config's diff_ids. */
  public List<Layer> layers() {
    return layers;
  }

  /** The platform the config declares. */
  public Platform platform() {
    return config.platform();
  }

  @Override
  public void close() throws IOException {
    if (resources != null) {
      resources.close();
    }
  }

  @Override
  public String toString() {
    return reference + " (" + id() + ")";
  }
}
