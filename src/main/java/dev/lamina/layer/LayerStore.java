package dev.lamina.layer;

import dev.lamina.image.Image;
import dev.lamina.image.Layer;
import dev.lamina.image.LayerTarStream;
import dev.lamina.layer.StoredImage.StoredLayer;
import dev.lamina.sys.HostFs;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * lamina's image store: each layer extracted once (keyed by diff_id, so every image with the same layer shares
 * it), images by config digest with their tags, containers by name. Layout (documented in the README):
 *
 * <pre>
 * ROOT/store.lock                   shared by loads and container creation, exclusive for rmi, prune and rm
 * ROOT/layers/HEX/diff/             a committed layer (its presence means complete)
 * ROOT/layers/HEX/layer.json        {@link LayerInfo}
 * ROOT/layers/HEX.lock              exclusive while the layer is extracted, shared by processes serving mounts
 *                                   of it ({@link LayerUseLocks}): rmi and prune keep the layer then
 * ROOT/tmp/HEX-UUID/                an extraction in progress, renamed to layers/HEX when done
 * ROOT/images/HEX/image.json        {@link StoredImage}; config.json and manifest.json beside it
 * ROOT/containers/NAME/             {@link Containers}
 * </pre>
 *
 * Lower layers are never modified after the rename that commits them.
 */
public final class LayerStore {
  private static final Logger LOG = LoggerFactory.getLogger(LayerStore.class);

  private final Path root;
  private final ExtractOptions options;
  private final ImageIndex index;

  private LayerStore(Path root, ExtractOptions options) {
    this.root = root;
    this.options = options;
    this.index = new ImageIndex(root.resolve("images"));
  }

  /**
   * The store chosen by {@code LAMINA_ROOT}, else {@code /var/lib/lamina} for root and
   * {@code $XDG_DATA_HOME/lamina} ({@code ~/.local/share/lamina}) for other users, as podman does.
   */
  public static Path defaultRoot(Map<String, String> env, int euid) {
    String r = env.get("LAMINA_ROOT");
    if (r != null && !r.isBlank()) {
      return Path.of(r);
    }
    if (euid == 0) {
      return Path.of("/var/lib/lamina");
    }
    String xdg = env.get("XDG_DATA_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "lamina");
    }
    return Path.of(System.getProperty("user.home"), ".local", "share", "lamina");
  }

  /** Opens (creating) the store at {@code root} with the defaults for this process's user. */
  public static LayerStore open(Path root) throws IOException {
    return open(root, ExtractOptions.forUid(HostFs.get().geteuid(), new SysNodeOps()));
  }

  public static LayerStore open(Path root, ExtractOptions options) throws IOException {
    Path abs = root.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      Files.createDirectories(abs);
      // the store holds setuid binaries and devices' metadata of images: only its owner may look in
      Files.setPosixFilePermissions(abs, PosixFilePermissions.fromString("rwx------"));
    }
    for (String d : new String[] {"layers", "images", "containers", "tmp"}) {
      Files.createDirectories(abs.resolve(d));
    }
    return new LayerStore(abs, options);
  }

  public Path root() {
    return root;
  }

  public ExtractOptions options() {
    return options;
  }

  /** A store with other extraction settings (limits, progress) on the same directory. */
  public LayerStore withOptions(ExtractOptions o) {
    return new LayerStore(root, o);
  }

  PathLock sharedLock() throws IOException {
    return PathLock.shared(root.resolve("store.lock"));
  }

  PathLock exclusiveLock() throws IOException {
    return PathLock.exclusive(root.resolve("store.lock"));
  }

  /** The diff dir of a layer extracted by lamina (it may not exist yet). */
  public Path layerDir(String diffId) {
    return root.resolve("layers").resolve(hex(diffId)).resolve("diff");
  }

  static String hex(String digest) {
    String h = digest.substring(digest.indexOf(':') + 1);
    if (!h.matches("[0-9a-f]{32,128}")) {
      throw new IllegalArgumentException("not a digest: " + digest);
    }
    return h;
  }

  public boolean hasLayer(String diffId) {
    return Files.isDirectory(layerDir(diffId));
  }

  /**
   * Extracts every layer not yet in the store and records the image with its tags (and {@code extraTags}); a tag
   * held by another image moves to this one. Safe to run concurrently with other loads, in this or other
   * processes: each layer is extracted by one of them, the others wait and reuse it.
   */
  public StoredImage load(Image image, List<String> extraTags, LoadListener listener) throws IOException {
    List<StoredLayer> layers = new ArrayList<>();
    try (PathLock l = sharedLock()) {
      List<Layer> ls = image.layers();
      for (int i = 0; i < ls.size(); i++) {
        Layer layer = ls.get(i);
        listener.layerStarted(i, ls.size(), layer.diffId().toString(), layer.descriptor().size());
        boolean cached;
        String dir = null;
        if (layer instanceof Layer.DiffDir d) {
          // another engine's diff dir is used in place, unless lamina holds the layer itself: an image loaded
          // before from an archive keeps its own copy (the other engine may delete its dir at any time)
          dir = hasLayer(layer.diffId().toString()) ? null : d.dir().toAbsolutePath().normalize().toString();
          cached = true;
        } else {
          cached = ensureLayer((Layer.Blob) layer, listener);
        }
        listener.layerDone(i, cached);
        layers.add(new StoredLayer(
            layer.diffId().toString(), layer.descriptor().digest().toString(), layer.descriptor().mediaType(),
            layer.descriptor().size(), dir));
      }
      List<String> tags = new ArrayList<>();
      for (String t : image.repoTags()) {
        tags.add(TagNames.normalize(t));
      }
      for (String t : extraTags) {
        if (!tags.contains(TagNames.normalize(t))) {
          tags.add(TagNames.normalize(t));
        }
      }
      StoredImage stored = new StoredImage(
          image.id(), tags, image.repoDigests(), layers, image.config().created(), Instant.now().toString(),
          image.reference().toString(), image.manifest().mediaType(), null);
      StoredImage result = index.put(stored, image.configBytes(), image.manifest());
      listener.finished();
      return result;
    }
  }

  /** Makes sure the layer is in the store; returns true when it was there already. */
  private boolean ensureLayer(Layer.Blob blob, LoadListener listener) throws IOException {
    String diffId = blob.diffId().toString();
    Path dir = layerDir(diffId).getParent();
    if (Files.isDirectory(dir.resolve("diff"))) {
      return true;
    }
    try (PathLock l = PathLock.exclusive(dir.resolveSibling(hex(diffId) + ".lock"))) {
      if (Files.isDirectory(dir.resolve("diff"))) {
        return true; // another load extracted it while we waited
      }
      Path tmp = root.resolve("tmp").resolve(hex(diffId) + "-" + UUID.randomUUID());
      Files.createDirectory(tmp);
      ActiveExtractions.Active active = ActiveExtractions.start(diffId, tmp);
      boolean ok = false;
      try {
        LayerStats stats;
        try (LayerTarStream in = blob.openTar()) {
          long[] content = {0};
          ExtractOptions o = options.withProgress(n -> {
            content[0] += n;
            options.progress().accept(n);
            listener.layerProgress(in.blobBytesRead(), content[0]);
          });
          // decompression and digests on a second thread, ahead of the file writes (like gzip -d | tar -x)
          ReadAheadInputStream ahead = new ReadAheadInputStream(in, 1 << 20, 8, "lamina-read-" + hex(diffId).substring(0, 12));
          boolean read = false;
          try {
            stats = new LayerExtractor(o).extract(ahead, tmp.resolve("diff"), in.describe());
            ahead.close(); // reads to the end: a digest mismatch of the blob or diff_id is thrown here
            read = true;
          } finally {
            if (!read) {
              ahead.abort();
            }
          }
        } // close() has verified the blob digest, size and diff_id before anything is committed
        StoreJson.write(tmp.resolve("layer.json"), new LayerInfo(
            diffId, stats.bytes(), stats.entries(), whiteoutName(options.whiteouts()),
            options.ownership() == ExtractOptions.Ownership.CHOWN ? "chown" : "override_stat",
            Instant.now().toString()));
        try {
          Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
          throw new IOException("cannot commit layer " + diffId + ": " + dir + " exists without a diff dir; "
              + "run lamina prune to clean it up", e);
        }
        ok = true;
        LOG.debug("layer {}: {} entries, {} bytes", diffId, stats.entries(), stats.bytes());
        return false;
      } finally {
        if (!ok) {
          try {
            Trees.deleteRecursively(tmp);
          } catch (IOException e) {
            LOG.warn("could not remove the failed extraction {}: {}", tmp, e.toString());
          }
        }
        ActiveExtractions.end(active);
      }
    }
  }

  static String whiteoutName(WhiteoutFormat w) {
    if (w instanceof WhiteoutFormat.OverlayWhiteouts o) {
      return o.xattrPrefix().equals("trusted.") ? "overlay" : "overlay-" + o.xattrPrefix().replace(".", "");
    }
    return w instanceof WhiteoutFormat.WhiteoutFiles ? "wh-files" : "applied";
  }

  /** The layer's metadata, or null when the layer is not in the store. */
  public LayerInfo layerInfo(String diffId) throws IOException {
    Path f = layerDir(diffId).resolveSibling("layer.json");
    return Files.isRegularFile(f) ? StoreJson.read(f, LayerInfo.class) : null;
  }

  /** All images, newest load first. */
  public List<StoredImage> images() throws IOException {
    return index.all();
  }

  /** The image a name ({@code NAME[:TAG]}), id or id prefix names; a clear error when none or several match. */
  public StoredImage resolve(String nameOrId) throws IOException {
    return index.resolve(nameOrId);
  }

  /** Like {@link #resolve} but null when nothing matches (ambiguity is still an error). */
  public StoredImage find(String nameOrId) throws IOException {
    return index.find(nameOrId);
  }

  /** The exact config blob the image was loaded with. */
  public byte[] configBytes(StoredImage img) throws IOException {
    return index.configBytes(img);
  }

  /** The diff dirs of an image, bottom layer first (overlayfs's lowerdir= lists them top first). */
  public List<Path> lowerDirs(StoredImage img) {
    List<Path> out = new ArrayList<>();
    for (StoredLayer l : img.layers()) {
      out.add(l.dir() != null ? Path.of(l.dir()) : layerDir(l.diffId()));
    }
    return out;
  }

  /**
   * {@link #lowerDirs}, checked to exist: a layer used in place from another engine's store goes away with that
   * engine's image ({@code podman rmi}), and mounting the rest would show a different root.
   *
   * @throws StoreException naming the image, the missing dir and what to do
   */
  public List<Path> mountableLowerDirs(StoredImage img) throws StoreException {
    List<Path> dirs = lowerDirs(img);
    for (int i = 0; i < dirs.size(); i++) {
      if (Files.isDirectory(dirs.get(i))) {
        continue;
      }
      String name = img.repoTags().isEmpty() ? img.shortId() : img.repoTags().get(0) + " (" + img.shortId() + ")";
      StoredLayer l = img.layers().get(i);
      if (l.dir() != null) {
        throw new StoreException("image " + name + ": its layer " + l.diffId() + " is used in place from "
            + "another engine's store, and that dir " + dirs.get(i) + " is gone (was the image removed there?): "
            + "load the image into lamina's own store from a copy (for example `podman save -o IMG.tar IMAGE` "
            + "then `lamina load docker-archive:IMG.tar`), or pull it there again and `lamina load " + img.source()
            + "`");
      }
      throw new StoreException("image " + name + ": its layer " + l.diffId() + " is missing from the store ("
          + dirs.get(i) + "): `lamina load` the image again to extract it");
    }
    return dirs;
  }

  public Containers containers() {
    return new Containers(root.resolve("containers"), this);
  }

  ImageIndex index() {
    return index;
  }

  /**
   * {@code lamina rmi}: removes a tag, or the image when {@code ref} is its last tag or its id, then its layers
   * that no other image uses. Refused while a container uses the image, unless {@code force}.
   *
   * @return what was done, one line per tag or image or layer removed
   */
  public List<String> remove(String ref, boolean force) throws IOException {
    try (PathLock l = exclusiveLock()) {
      return new StoreCleaner(this).removeImage(ref, force);
    }
  }

  /** {@code lamina prune}: removes layers that no image uses and leftovers of interrupted extractions. */
  public List<String> prune() throws IOException {
    try (PathLock l = exclusiveLock()) {
      return new StoreCleaner(this).prune();
    }
  }
}
