package dev.lamina.fuse;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Maps the 64-bit file handles FUSE stores in {@code fuse_file_info.fh} to open files and directories.
 * Handles start at 1 and are never reused while the mount lives, so a stale handle fails with EBADF
 * instead of reaching another file.
 */
public final class HandleTable<T> {
  private final ConcurrentHashMap<Long, T> open = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong(1);
  private final String kind;

  public HandleTable(String kind) {
    this.kind = kind;
  }

  public long add(T value) {
    long fh = next.getAndIncrement();
    open.put(fh, value);
    return fh;
  }

  public T get(long fh) throws ErrnoException {
    T value = open.get(fh);
    if (value == null) {
      throw new ErrnoException(Errno.EBADF, kind, "handle " + fh);
    }
    return value;
  }

  /** Removes and returns the entry; the caller closes it. */
  public T remove(long fh) throws ErrnoException {
    T value = open.remove(fh);
    if (value == null) {
      throw new ErrnoException(Errno.EBADF, kind, "handle " + fh);
    }
    return value;
  }

  /** Removes and returns every entry (the caller closes them). */
  public java.util.List<T> drain() {
    java.util.List<T> all = new java.util.ArrayList<>();
    for (Long fh : open.keySet()) {
      T value = open.remove(fh);
      if (value != null) {
        all.add(value);
      }
    }
    return all;
  }

  /** The entries open now (a snapshot). */
  public java.util.Collection<T> values() {
    return java.util.List.copyOf(open.values());
  }

  public int size() {
    return open.size();
  }
}
