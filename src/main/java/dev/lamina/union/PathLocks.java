package dev.lamina.union;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped per-path locks for copy-up and namespace changes: two operations on the same merged path
 * serialize, unrelated paths almost never do, and there is no global lock. Lock order: a caller that needs
 * two stripes takes them in index order ({@link #lockTwo}); copy-up of ancestors is done before taking any
 * stripe, so a thread never waits for a stripe while holding another except through lockTwo.
 */
final class PathLocks {
  private final ReentrantLock[] stripes = new ReentrantLock[1024];

  PathLocks() {
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  private int index(String rel) {
    int h = rel.hashCode();
    return (h ^ (h >>> 16)) & (stripes.length - 1);
  }

  ReentrantLock lock(String rel) {
    ReentrantLock l = stripes[index(rel)];
    l.lock();
    return l;
  }

  /** Locks the stripes of a and b (once if they share one), lower index first; returns them to unlock. */
  ReentrantLock[] lockTwo(String a, String b) {
    int i = index(a);
    int j = index(b);
    if (i == j) {
      stripes[i].lock();
      return new ReentrantLock[] {stripes[i]};
    }
    ReentrantLock first = stripes[Math.min(i, j)];
    ReentrantLock second = stripes[Math.max(i, j)];
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
