package dev.lamina.union;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped per-path locks for copy-up and namespace changes: two operations on the same merged path
 * serialize, unrelated paths almost never do, and there is no global lock. Lock order: a caller that needs
 * two stripes takes them in index order ({@link #lockTwo}); copy-up of ancestors is done before taking any
 * stripe, so a thread never waits for a stripe while holding another except through lockTwo.
 */
final class PathLocks {
  private static final int STRIPES = 1024;
  /** Made on first use: a mount that only reads (most of a shared daemon's) never locks (50 KiB a mount). */
  private final AtomicReferenceArray<ReentrantLock> stripes = new AtomicReferenceArray<>(STRIPES);

  private int index(String rel) {
    int h = rel.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  private ReentrantLock stripe(int i) {
    ReentrantLock l = stripes.get(i);
    if (l == null) {
      ReentrantLock fresh = new ReentrantLock();
      l = stripes.compareAndExchange(i, null, fresh);
      if (l == null) {
        l = fresh;
      }
    }
    return l;
  }

  ReentrantLock lock(String rel) {
    ReentrantLock l = stripe(index(rel));
    l.lock();
    return l;
  }

  /** Locks the stripes of a and b (once if they share one), lower index first; returns them to unlock. */
  ReentrantLock[] lockTwo(String a, String b) {
    int i = index(a);
    int j = index(b);
    if (i == j) {
      ReentrantLock l = stripe(i);
      l.lock();
      return new ReentrantLock[] {l};
    }
    ReentrantLock first = stripe(Math.min(i, j));
    ReentrantLock second = stripe(Math.max(i, j));
    first.lock();
    second.lock();
    return new ReentrantLock[] {second, first};
  }

  static void unlock(ReentrantLock... ls) {
    for (ReentrantLock l : ls) {
      l.unlock();
    }
  }
}
