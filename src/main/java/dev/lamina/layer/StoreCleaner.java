package dev.lamina.layer;

import dev.lamina.layer.StoredImage.StoredLayer;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * rmi, prune, and what goes with a removed container; the caller holds the store lock exclusively, so no load is
 * extracting and no container is being created meanwhile. The rule, as Docker's: a layer goes only when no image
 * uses it, and an image goes only when no container uses it ({@code rmi -f} of an image in use untags it and marks
 * it removed; it goes with the last container of it).
 */
final class StoreCleaner {
  private final LayerStore store;

  StoreCleaner(LayerStore store) {
    this.store = store;
  }

  List<String> removeImage(String ref, boolean force) throws IOException {
    ImageIndex index = store.index();
    StoredImage img = index.resolve(ref);
    List<String> done = new ArrayList<>();
    String tag = img.repoTags().stream().filter(t -> TagNames.matches(t, ref)).findFirst().orElse(null);
    if (tag != null && img.repoTags().size() > 1) {
      index.untag(img, tag);
      done.add("Untagged: " + tag);
      return done;
    }
    List<String> users = containersOf(img.id());
    if (!users.isEmpty()) {
      if (!force) {
        throw new StoreException("image " + img.shortId() + " is used by container(s) " + String.join(", ", users)
            + ": remove them first (lamina rm NAME), or use rmi -f to untag it now and remove it with the last"
            + " of them");
      }
      index.markRemoved(img, Instant.now().toString());
      for (String t : img.repoTags()) {
        done.add("Untagged: " + t);
      }
      done.add("Kept: " + img.id() + " while container(s) " + String.join(", ", users)
          + " use it; it goes with the last of them (lamina rm NAME)");
      return done;
    }
    done.addAll(deleteImage(img));
    return done;
  }

  /** After a container of {@code imageId} was removed: the image goes too when rmi -f removed it and no container uses it. */
  List<String> dropIfRemoved(String imageId) throws IOException {
    StoredImage img = store.index().find(imageId);
    if (img == null || img.removed() == null || !containersOf(img.id()).isEmpty()) {
      return List.of();
    }
    return deleteImage(img);
  }

  /** Deletes the image record and its layers that no other image uses. */
  private List<String> deleteImage(StoredImage img) throws IOException {
    List<String> done = new ArrayList<>();
    store.index().delete(img);
    for (String t : img.repoTags()) {
      done.add("Untagged: " + t);
    }
    done.add("Deleted: " + img.id());
    Set<String> used = usedLayers();
    for (StoredLayer l : img.layers()) {
      if (l.dir() == null && !used.contains(l.diffId()) && store.hasLayer(l.diffId())) {
        used.add(l.diffId()); // an image may list the same layer twice
        if (mounted(store.layerDir(l.diffId()).getParent())) {
          done.add("Kept layer: " + l.diffId() + " while a mount uses it (lamina prune removes it after)");
          continue;
        }
        deleteLayer(store.layerDir(l.diffId()).getParent());
        done.add("Deleted layer: " + l.diffId());
      }
    }
    return done;
  }

  List<String> prune() throws IOException {
    List<String> done = new ArrayList<>();
    for (StoredImage img : store.index().all()) {
      if (img.removed() != null && containersOf(img.id()).isEmpty()) {
        done.addAll(deleteImage(img)); // its containers were removed by a lamina killed before it could do this
      }
    }
    Path tmp = store.root().resolve("tmp");
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
      for (Path p : ds) {
        Trees.deleteRecursively(p);
        done.add("Removed interrupted extraction: " + p.getFileName());
      }
    }
    Set<String> usedHex = new HashSet<>();
    for (String d : usedLayers()) {
      usedHex.add(LayerStore.hex(d));
    }
    Path layers = store.root().resolve("layers");
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(layers)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.endsWith(".lock")) {
          String hex = name.substring(0, name.length() - 5);
          if (!Files.isDirectory(layers.resolve(hex))) {
            Files.deleteIfExists(p); // no load holds it: they share the store lock we hold exclusively
          }
          continue;
        }
        if (!usedHex.contains(name) && !mounted(p)) {
          LayerInfo info = Files.isRegularFile(p.resolve("layer.json")) ? StoreJson.read(p.resolve("layer.json"), LayerInfo.class) : null;
          deleteLayer(p);
          done.add("Deleted layer: " + (info == null ? name : info.diffId()));
        }
      }
    }
    return done;
  }

  /** Names of the containers made from the image. */
  private List<String> containersOf(String imageId) throws IOException {
    List<String> users = new ArrayList<>();
    for (ContainerInfo c : store.containers().list()) {
      if (c.imageId().equals(imageId)) {
        users.add(c.name());
      }
    }
    return users;
  }

  /** Layers lamina extracted that some image uses (images marked removed included: their containers use them). */
  private Set<String> usedLayers() throws IOException {
    Set<String> used = new HashSet<>();
    for (StoredImage i : store.index().all()) {
      for (StoredLayer l : i.layers()) {
        if (l.dir() == null) {
          used.add(l.diffId());
        }
      }
    }
    return used;
  }

  /** Whether a process serving a mount holds the layer's lock ({@link LayerUseLocks}). */
  private static boolean mounted(Path layerDir) throws IOException {
    return LayerUseLocks.inUse(layerDir.resolveSibling(layerDir.getFileName() + ".lock"));
  }

  /** Renames the layer out of layers/ first, so an interrupted delete never leaves a partial layer that looks complete. */
  private void deleteLayer(Path layerDir) throws IOException {
    Path doomed = store.root().resolve("tmp").resolve(layerDir.getFileName() + "-deleting-" + UUID.randomUUID());
    Files.move(layerDir, doomed, StandardCopyOption.ATOMIC_MOVE);
    Trees.deleteRecursively(doomed);
    Files.deleteIfExists(layerDir.resolveSibling(layerDir.getFileName() + ".lock"));
  }
}
