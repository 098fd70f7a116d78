package dev.lamina.layer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Shared fcntl locks on {@code layers/HEX.lock}, held by a process that serves a mount of a store's layers for as
 * long as it lives (the kernel drops them when it dies, even on kill -9): {@code rmi} and {@code prune} keep a
 * layer whose lock someone holds, so no command deletes a layer under a live mount, containers or not (a
 * {@code --read-only} mount has none). Taken under the store lock, shared, so that no rmi or prune is between
 * its check and its delete meanwhile.
 */
public final class LayerUseLocks implements AutoCloseable {
  private final List<FileChannel> channels;

  private LayerUseLocks(List<FileChannel> channels) {
    this.channels = channels;
  }

  /**
   * Locks the store layers among {@code lowerDirs} ({@code ROOT/layers/HEX/diff} with a {@code ROOT/store.lock});
   * other dirs (another engine's, plain dirs) are left alone.
   */
  public static LayerUseLocks hold(List<Path> lowerDirs) throws IOException {
    Map<Path, Set<String>> byStore = new LinkedHashMap<>();
    for (Path d : lowerDirs) {
      Path abs = d.toAbsolutePath().normalize();
      Path layer = abs.getParent();
      if (!abs.getFileName().toString().equals("diff") || layer == null || layer.getParent() == null
          || !layer.getParent().getFileName().toString().equals("layers")
          || !layer.getFileName().toString().matches("[0-9a-f]{32,128}")) {
        continue;
      }
      Path root = layer.getParent().getParent();
      if (root != null && Files.isRegularFile(root.resolve("store.lock"))) {
        byStore.computeIfAbsent(root, k -> new LinkedHashSet<>()).add(layer.getFileName().toString());
      }
    }
    List<FileChannel> held = new ArrayList<>();
    try {
      for (Map.Entry<Path, Set<String>> e : byStore.entrySet()) {
        try (PathLock s = PathLock.shared(e.getKey().resolve("store.lock"))) {
          for (String hex : e.getValue()) {
            FileChannel ch = FileChannel.open(e.getKey().resolve("layers").resolve(hex + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            held.add(ch);
            ch.lock(0, Long.MAX_VALUE, true);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      new LayerUseLocks(held).close();
      throw e;
    }
    return new LayerUseLocks(held);
  }

  /** Whether a process holds the layer's lock (a mount uses it); the caller holds the store lock exclusively. */
  static boolean inUse(Path lockFile) throws IOException {
    if (!Files.exists(lockFile)) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true; // held in this JVM
    }
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (FileChannel ch : channels) {
      try {
        ch.close(); // releases its lock
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
