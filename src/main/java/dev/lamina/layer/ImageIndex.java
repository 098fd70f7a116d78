package dev.lamina.layer;

import dev.lamina.image.Descriptor;
import dev.lamina.image.Manifest;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The images part of the store: {@code images/HEX/image.json}, config.json, manifest.json; tags and lookups. */
final class ImageIndex {
  private final Path dir;

  ImageIndex(Path dir) {
    this.dir = dir;
  }

  private PathLock lock() throws IOException {
    return PathLock.exclusive(dir.resolve(".lock"));
  }

  Path imageDir(StoredImage img) {
    return dir.resolve(img.hex());
  }

  /** Records an image (merging tags with an earlier load of it) and moves its tags away from other images. */
  StoredImage put(StoredImage img, byte[] config, Manifest manifest) throws IOException {
    try (PathLock l = lock()) {
      Path d = imageDir(img);
      Files.createDirectories(d);
      StoreJson.writeBytes(d.resolve("config.json"), config);
      StoreJson.write(d.resolve("manifest.json"), manifestJson(manifest));
      List<String> tags = new ArrayList<>(img.repoTags());
      Path f = d.resolve("image.json");
      if (Files.isRegularFile(f)) {
        for (String t : StoreJson.read(f, StoredImage.class).repoTags()) {
          if (!tags.contains(t)) {
            tags.add(t);
          }
        }
      }
      StoredImage merged = img.withTags(tags);
      for (StoredImage other : all()) {
        if (!other.id().equals(img.id()) && other.repoTags().stream().anyMatch(tags::contains)) {
          List<String> kept = new ArrayList<>(other.repoTags());
          kept.removeAll(tags);
          write(other.withTags(kept));
        }
      }
      write(merged);
      return merged;
    }
  }

  void write(StoredImage img) throws IOException {
    StoreJson.write(imageDir(img).resolve("image.json"), img);
  }

  void delete(StoredImage img) throws IOException {
    try (PathLock l = lock()) {
      Trees.deleteRecursively(imageDir(img));
    }
  }

  /** rmi -f of an image containers use: no tags left, kept until the last of them goes. */
  void markRemoved(StoredImage img, String when) throws IOException {
    try (PathLock l = lock()) {
      write(img.withTags(List.of()).withRemoved(when));
    }
  }

  /** Whether the image is (still) recorded. */
  boolean contains(StoredImage img) {
    return Files.isRegularFile(imageDir(img).resolve("image.json"));
  }

  void untag(StoredImage img, String tag) throws IOException {
    try (PathLock l = lock()) {
      List<String> kept = new ArrayList<>(img.repoTags());
      kept.remove(tag);
      write(img.withTags(kept));
    }
  }

  byte[] configBytes(StoredImage img) throws IOException {
    return Files.readAllBytes(imageDir(img).resolve("config.json"));
  }

  /** All images, most recently loaded first. */
  List<StoredImage> all() throws IOException {
    List<StoredImage> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path d : ds) {
        Path f = d.resolve("image.json");
        if (Files.isRegularFile(f)) {
          out.add(StoreJson.read(f, StoredImage.class));
        }
      }
    }
    out.sort(Comparator.comparing(StoredImage::loaded, Comparator.nullsLast(Comparator.reverseOrder())));
    return out;
  }

  StoredImage resolve(String ref) throws IOException {
    StoredImage img = find(ref);
    if (img == null) {
      List<StoredImage> all = all();
      throw new StoreException("no image named or with id '" + ref + "' in the store"
          + (all.isEmpty() ? " (it is empty: lamina load REF first)" : "; images: " + listing(all)));
    }
    return img;
  }

  StoredImage find(String ref) throws IOException {
    List<StoredImage> all = all();
    for (StoredImage i : all) {
      for (String t : i.repoTags()) {
        if (TagNames.matches(t, ref)) {
          return i;
        }
      }
      if (i.repoDigests().contains(ref)) {
        return i;
      }
    }
    String hex = ref.startsWith("sha256:") ? ref.substring(7) : ref;
    if (hex.matches("[0-9a-f]{3,64}")) {
      List<StoredImage> hits = all.stream().filter(i -> i.hex().startsWith(hex)).toList();
      if (hits.size() > 1) {
        throw new StoreException("the id prefix " + hex + " matches " + hits.size() + " images (" + listing(hits) + "); give more digits");
      }
      if (hits.size() == 1) {
        return hits.get(0);
      }
    }
    return null;
  }

  private static String listing(List<StoredImage> imgs) {
    List<String> s = new ArrayList<>();
    for (StoredImage i : imgs) {
      s.add(i.shortId() + (i.repoTags().isEmpty() ? "" : " " + String.join(" ", i.repoTags())));
    }
    return String.join(", ", s);
  }

  private static Map<String, Object> manifestJson(Manifest m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("schemaVersion", m.schemaVersion());
    if (m.mediaType() != null) {
      out.put("mediaType", m.mediaType());
    }
    out.put("config", descriptor(m.config()));
    List<Object> layers = new ArrayList<>();
    for (Descriptor d : m.layers()) {
      layers.add(descriptor(d));
    }
    out.put("layers", layers);
    if (!m.annotations().isEmpty()) {
      out.put("annotations", m.annotations());
    }
    return out;
  }

  private static Map<String, Object> descriptor(Descriptor d) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (d.mediaType() != null) {
      out.put("mediaType", d.mediaType());
    }
    out.put("digest", d.digest().toString());
    out.put("size", d.size());
    if (!d.annotations().isEmpty()) {
      out.put("annotations", d.annotations());
    }
    return out;
  }
}
