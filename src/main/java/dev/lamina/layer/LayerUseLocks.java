package dev.lamina.layer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
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
 *
 * <p>One process may serve many mounts of the same layers (the shared daemon): fcntl locks belong to the process,
 * and closing any descriptor of a file drops all of the process's locks on it, so each lock file is opened once per
 * process and reference-counted ({@link #HELD}); it is closed, and its lock dropped, when the last mount using the
 * layer lets go. Nothing else in the process opens a lock file that it holds ({@link #inUse} answers from the table).
 */
public final class LayerUseLocks implements AutoCloseable {
  /** A lock file this process holds, and how many holders use it. */
  private static final class Held {
    final FileChannel channel;
    int users;

    Held(FileChannel channel) {
      this.channel = channel;
    }
  }

  /** Lock files held by this process (absolute, normalized paths), guarded by itself. */
  private static final Map<Path, Held> HELD = new HashMap<>();

  private final List<Path> files;
  private boolean closed;

  private LayerUseLocks(List<Path> files) {
    this.files = files;
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
    List<Path> held = new ArrayList<>();
    try {
      for (Map.Entry<Path, Set<String>> e : byStore.entrySet()) {
        try (PathLock s = PathLock.shared(e.getKey().resolve("store.lock"))) {
          for (String hex : e.getValue()) {
            Path f = e.getKey().resolve("layers").resolve(hex + ".lock");
            acquire(f);
            held.add(f);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      new LayerUseLocks(held).close();
      throw e;
    }
    return new LayerUseLocks(held);
  }

  /** Takes (or shares this process's hold of) the lock on {@code f}. */
  private static void acquire(Path f) throws IOException {
    synchronized (HELD) {
      Held h = HELD.get(f);
      if (h == null) {
        FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        try {
          ch.lock(0, Long.MAX_VALUE, true);
        } catch (IOException | RuntimeException e) {
          ch.close();
          throw e;
        }
        h = new Held(ch);
        HELD.put(f, h);
      }
      h.users++;
    }
  }

  /** Whether a process holds the layer's lock (a mount uses it); the caller holds the store lock exclusively. */
  static boolean inUse(Path lockFile) throws IOException {
    if (!Files.exists(lockFile)) {
      return false;
    }
    synchronized (HELD) {
      if (HELD.containsKey(lockFile.toAbsolutePath().normalize())) {
        return true; // held by a mount of this process: opening and closing the file would drop its lock
      }
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

  /** Lets go of the locks; the last holder in the process closes the file, which drops the lock. Idempotent. */
  @Override
  public void close() throws IOException {
    IOException first = null;
    synchronized (HELD) {
      if (closed) {
        return;
      }
      closed = true;
      for (Path f : files) {
        Held h = HELD.get(f);
        if (h == null || --h.users > 0) {
          continue;
        }
        HELD.remove(f);
        try {
          h.channel.close(); // releases its lock
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
