package dev.lamina.layer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A lock on a lock file that holds across processes (fcntl locks through FileChannel) and across threads of this
 * JVM (Java forbids two overlapping FileLocks in one JVM, so threads share one file lock per path and order
 * themselves with a read-write lock). Lock order: the store lock before any layer lock.
 */
final class PathLock implements AutoCloseable {
  /** Per lock file: the JVM-side lock and, while readers hold it, the shared file lock they share. */
  private static final class Slot {
    final ReentrantReadWriteLock rw = new ReentrantReadWriteLock(true);
    FileChannel sharedChannel;
    FileLock sharedLock;
    int readers;
  }

  private static final Map<Path, Slot> SLOTS = new HashMap<>();

  private final Slot slot;
  private final boolean shared;
  private final FileChannel channel;
  private final FileLock lock;

  private PathLock(Slot slot, boolean shared, FileChannel channel, FileLock lock) {
    this.slot = slot;
    this.shared = shared;
    this.channel = channel;
    this.lock = lock;
  }

  private static Slot slot(Path file) {
    synchronized (SLOTS) {
      return SLOTS.computeIfAbsent(file.toAbsolutePath().normalize(), k -> new Slot());
    }
  }

  private static FileChannel open(Path file) throws IOException {
    return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  /** Blocks until no other process or thread holds {@code file} in any mode. */
  static PathLock exclusive(Path file) throws IOException {
    Slot s = slot(file);
    s.rw.writeLock().lock();
    try {
      FileChannel ch = open(file);
      try {
        return new PathLock(s, false, ch, ch.lock());
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      s.rw.writeLock().unlock();
      throw e;
    }
  }

  /** Blocks until no other process or thread holds {@code file} exclusively. */
  static PathLock shared(Path file) throws IOException {
    Slot s = slot(file);
    s.rw.readLock().lock();
    try {
      synchronized (s) {
        if (s.readers == 0) {
          FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
          try {
            s.sharedLock = ch.lock(0, Long.MAX_VALUE, true);
          } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
          }
          s.sharedChannel = ch;
        }
        s.readers++;
      }
      return new PathLock(s, true, null, null);
    } catch (IOException | RuntimeException e) {
      s.rw.readLock().unlock();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      if (shared) {
        synchronized (slot) {
          if (--slot.readers == 0) {
            FileChannel ch = slot.sharedChannel;
            slot.sharedChannel = null;
            slot.sharedLock = null;
            ch.close(); // releases the file lock
          }
        }
      } else {
        try {
          lock.release();
        } finally {
          channel.close();
        }
      }
    } finally {
      if (shared) {
        slot.rw.readLock().unlock();
      } else {
        slot.rw.writeLock().unlock();
      }
    }
  }
}
