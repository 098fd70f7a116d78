package dev.lamina.layer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Named containers: a writable upper dir and a work dir per container, kept under the store so that
 * {@code --name X} re-uses them. Layout: {@code containers/NAME/{upper,work,container.json}}.
 */
public final class Containers {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");

  private final Path dir;
  private final LayerStore store;

  Containers(Path dir, LayerStore store) {
    this.dir = dir;
    this.store = store;
  }

  public Path upperDir(String name) {
    return dir.resolve(name).resolve("upper");
  }

  public Path workDir(String name) {
    return dir.resolve(name).resolve("work");
  }

  /** A fresh name like docker's short ids. */
  public static String newName() {
    return "lamina-" + HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(), 0, 4);
  }

  /** A container for a command: {@code created} when this call made it (so a failed command removes it again). */
  public record Claim(ContainerInfo info, boolean created) {}

  /**
   * The container {@code name} for {@code img}: created with empty upper and work dirs, or re-used when it exists
   * for the same image. A name taken by another image is an error.
   */
  public ContainerInfo createOrReuse(String name, StoredImage img) throws IOException {
    return claim(name, img).info();
  }

  /**
   * {@link #createOrReuse}, telling whether the container is new. Done under the store lock, shared: an
   * {@code rmi} or {@code prune} (which take it exclusively) either ran before, and then the image is gone and
   * this fails, or runs after and sees the container, whose image and layers it then keeps.
   */
  public Claim claim(String name, StoredImage img) throws IOException {
    if (!NAME.matcher(name).matches()) {
      throw new StoreException("invalid container name '" + name + "': use letters, digits, '_', '.', '-' (at most 64)");
    }
    try (PathLock s = store.sharedLock(); PathLock l = PathLock.exclusive(dir.resolve(".lock"))) {
      if (!store.index().contains(img)) {
        throw new StoreException("image " + img.shortId() + " was removed from the store (lamina rmi or prune) while"
            + " this command started: load it again");
      }
      ContainerInfo c = get(name);
      if (c != null) {
        if (!c.imageId().equals(img.id())) {
          throw new StoreException("container '" + name + "' exists for image " + shortId(c.imageId())
              + ", not " + img.shortId() + ": choose another --name or remove it (lamina rm " + name + ")");
        }
        return new Claim(c, false);
      }
      Path d = dir.resolve(name);
      Files.createDirectories(d.resolve("upper"));
      Files.createDirectories(d.resolve("work"));
      String label = img.repoTags().isEmpty() ? img.shortId() : img.repoTags().get(0);
      c = new ContainerInfo(name, img.id(), label, Instant.now().toString(), null);
      StoreJson.write(d.resolve("container.json"), c);
      return new Claim(c, true);
    }
  }

  private static String shortId(String id) {
    String h = id.substring(id.indexOf(':') + 1);
    return h.substring(0, Math.min(12, h.length()));
  }

  /** The container, or null. */
  public ContainerInfo get(String name) throws IOException {
    if (!NAME.matcher(name).matches()) {
      return null;
    }
    Path f = dir.resolve(name).resolve("container.json");
    return Files.isRegularFile(f) ? StoreJson.read(f, ContainerInfo.class) : null;
  }

  /** Records (or clears, with null) where the container is mounted. */
  public void setMountpoint(String name, Path mountpoint) throws IOException {
    try (PathLock l = PathLock.exclusive(dir.resolve(".lock"))) {
      ContainerInfo c = get(name);
      if (c != null) {
        StoreJson.write(dir.resolve(name).resolve("container.json"),
            c.withMountpoint(mountpoint == null ? null : mountpoint.toAbsolutePath().toString()));
      }
    }
  }

  /** All containers, newest first. */
  public List<ContainerInfo> list() throws IOException {
    List<ContainerInfo> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path d : ds) {
        Path f = d.resolve("container.json");
        if (Files.isRegularFile(f)) {
          out.add(StoreJson.read(f, ContainerInfo.class));
        }
      }
    }
    out.sort(Comparator.comparing(ContainerInfo::created).reversed());
    return out;
  }

  /** Whether the recorded mount point is currently a mount (so its upper dir is in use). */
  public boolean isMounted(ContainerInfo c) throws IOException {
    return c.mountpoint() != null && Mounts.isMountPoint(Path.of(c.mountpoint()));
  }

  /**
   * Removes a container's upper and work dirs; refused while it is mounted. Its image goes too when {@code rmi -f}
   * removed it and this was the last container of it.
   *
   * @return what else was deleted (the image and its layers), one line each
   */
  public List<String> remove(String name) throws IOException {
    try (PathLock s = store.exclusiveLock()) {
      String imageId;
      try (PathLock l = PathLock.exclusive(dir.resolve(".lock"))) {
        ContainerInfo c = get(name);
        if (c == null) {
          throw new StoreException("no container named '" + name + "' (lamina ps lists them)");
        }
        if (isMounted(c)) {
          throw new StoreException("container '" + name + "' is mounted on " + c.mountpoint()
              + ": unmount it first (fusermount3 -u " + c.mountpoint() + ")");
        }
        imageId = c.imageId();
        Trees.deleteRecursively(dir.resolve(name));
      }
      return new StoreCleaner(store).dropIfRemoved(imageId);
    }
  }

  /** Bytes in the container's upper dir (what it changed). */
  public long upperSize(String name) throws IOException {
    long[] total = {0};
    Path up = upperDir(name);
    if (!Files.isDirectory(up)) {
      return 0;
    }
    try (var s = Files.walk(up)) {
      s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).forEach(p -> {
        try {
          total[0] += Files.size(p);
        } catch (IOException e) {
          // raced with a delete: not counted
        }
      });
    }
    return total[0];
  }

  LayerStore store() {
    return store;
  }
}
