package dev.lamina.layer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lamina.image.Descriptor;
import dev.lamina.image.Digest;
import dev.lamina.image.Image;
import dev.lamina.image.ImageException;
import dev.lamina.image.ImageReference;
import dev.lamina.image.ImageResolver;
import dev.lamina.image.ImageSource;
import dev.lamina.image.Layer;
import dev.lamina.image.Manifest;
import dev.lamina.image.Platform;
import dev.lamina.layer.StoredImage.StoredLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Image references that include lamina's own store: names and ids already loaded ({@code NAME:TAG}, an id prefix)
 * open as images whose layers are the store's diff dirs; every other transport goes to {@link ImageSource#files()}.
 */
public final class StoreImages {
  private StoreImages() {}

  /** The resolver for every reference, lamina store names included. */
  public static ImageResolver resolver(LayerStore store) {
    return (ref, platform) -> ref instanceof ImageReference.StoreName n
        ? open(store, store.resolve(n.name()), ref, platform)
        : ImageSource.files().open(ref, platform);
  }

  /**
   * The stored image {@code refText} names, loading it first when it is not a store name ("loads if needed", for
   * mount and run).
   */
  public static StoredImage ensure(LayerStore store, String refText, Platform platform, LoadListener listener)
      throws IOException {
    ImageReference ref = ImageSource.parse(refText);
    if (ref instanceof ImageReference.StoreName n) {
      return store.resolve(n.name());
    }
    try (Image img = ImageSource.files().open(ref, platform)) {
      return store.load(img, List.of(), listener);
    }
  }

  /** A stored image as an {@link Image} (manifest, exact config bytes, layers as diff dirs). */
  public static Image open(LayerStore store, StoredImage img, ImageReference ref, Platform platform) throws IOException {
    byte[] config = store.configBytes(img);
    Manifest manifest = readManifest(store, img);
    List<Layer> layers = new ArrayList<>();
    List<Path> dirs = store.mountableLowerDirs(img); // an in-place layer gone: the error says what to do
    for (int i = 0; i < img.layers().size(); i++) {
      StoredLayer l = img.layers().get(i);
      Descriptor d = new Descriptor(l.mediaType(), Digest.parse(l.digest()), l.blobSize());
      layers.add(new Layer.DiffDir(i, d, Digest.parse(l.diffId()), dirs.get(i)));
    }
    Image out = Image.stored(ref, manifest, config, img.repoTags(), img.repoDigests(), layers);
    if (platform != null && !platform.accepts(out.platform())) {
      out.close();
      throw new ImageException(ref + " in lamina's store is for " + out.platform() + ", not " + platform);
    }
    return out;
  }

  private static Manifest readManifest(LayerStore store, StoredImage img) throws IOException {
    JsonNode m = StoreJson.MAPPER.readTree(store.index().imageDir(img).resolve("manifest.json").toFile());
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode l : m.path("layers")) {
      layers.add(descriptor(l));
    }
    Map<String, String> ann = StoreJson.MAPPER.convertValue(m.path("annotations").isMissingNode() ? null : m.get("annotations"),
        StoreJson.MAPPER.getTypeFactory().constructMapType(Map.class, String.class, String.class));
    return new Manifest(m.path("schemaVersion").asInt(2), m.hasNonNull("mediaType") ? m.get("mediaType").asText() : null,
        descriptor(m.get("config")), layers, ann);
  }

  private static Descriptor descriptor(JsonNode d) {
    return new Descriptor(d.hasNonNull("mediaType") ? d.get("mediaType").asText() : null,
        Digest.parse(d.get("digest").asText()), d.path("size").asLong());
  }
}
