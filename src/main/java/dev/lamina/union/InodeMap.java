package dev.lamina.union;

import dev.lamina.sys.Stat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Inode numbers of the merged tree, stable while mounted and never colliding across layers, chosen the way
 * kernel overlayfs chooses them by default (xino=auto). When every layer's root is on one file system, a
 * backing inode number below 2^48 on that device is shown as it is (as overlayfs and fuse-overlayfs do:
 * numbers of one file system cannot collide). When the layers span file systems, a backing number below
 * 2^48 on its layer's root device becomes {@code (layerIndex + 1) << 48 | ino} (like overlayfs's xino, which
 * puts the fs id in the high bits). Anything else (another device below a layer root, a huge inode number)
 * gets a number from a counter in the reserved range 0xFFFF << 48. A copied-up file keeps the number of its
 * origin through an (upper dev, upper ino) -> number table, which hard links share.
 */
final class InodeMap {
  private static final long OVERFLOW_BASE = 0xFFFFL << 48;
  private static final long LOW_MASK = (1L << 48) - 1;

  /** equals and hashCode written out (see NodeTable.Key): no method-handle bootstrap on first use. */
  private record DevIno(long dev, long ino) {
    @Override
    public boolean equals(Object o) {
      return o instanceof DevIno d && d.dev == dev && d.ino == ino;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(dev) * 31 + Long.hashCode(ino);
    }
  }

  private final ConcurrentHashMap<DevIno, Long> overflow = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<DevIno, Long> origins = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong(1);
  /** The device every layer root is on, or -1 when they span devices. */
  private final long oneDev;

  /** Numbers for a stack whose layer roots are on {@code rootDevs} (the upper's included). */
  InodeMap(java.util.Collection<Long> rootDevs) {
    long dev = -1;
    for (long d : rootDevs) {
      if (dev != -1 && d != dev) {
        dev = -1;
        break;
      }
      dev = d;
    }
    this.oneDev = dev;
  }

  /** Whether backing numbers are shown as they are (every layer on one file system). */
  boolean backingNumbers() {
    return oneDev != -1;
  }

  /** The merged number of a backing inode of layer l. */
  long compose(Layer l, long dev, long ino) {
    if (dev == oneDev && (ino & ~LOW_MASK) == 0) {
      return ino;
    }
    if (oneDev == -1 && dev == l.rootDev() && (ino & ~LOW_MASK) == 0) {
      return ((long) (l.index() + 1) << 48) | ino;
    }
    return overflow.computeIfAbsent(new DevIno(dev, ino), k -> OVERFLOW_BASE | next.getAndIncrement());
  }

  /** The merged number of an upper inode: its origin's when it was copied up, else composed. */
  long upper(Layer upper, long dev, long ino) {
    if (!origins.isEmpty()) {
      Long o = origins.get(new DevIno(dev, ino));
      if (o != null) {
        return o;
      }
    }
    return compose(upper, dev, ino);
  }

  /** Records that the upper inode st now stands for merged inode number ino (after a copy-up). */
  void recordOrigin(Stat upperStat, long ino) {
    origins.put(new DevIno(upperStat.dev(), upperStat.ino()), ino);
  }

  /** Forgets the origin of an upper inode whose last link is gone, so a reused inode number starts fresh. */
  void forget(Stat upperStat) {
    if (!origins.isEmpty()) {
      origins.remove(new DevIno(upperStat.dev(), upperStat.ino()));
    }
  }
}
