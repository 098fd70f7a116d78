package dev.lamina.union;

import dev.lamina.sys.Stat;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Inode numbers of the merged tree, stable while mounted and never colliding across layers, chosen the way
 * kernel overlayfs chooses them by default (xino=auto). When every layer's root is on one file system, a
 * backing inode number below 2^48 on that device is shown as it is (as overlayfs and fuse-overlayfs do:
 * numbers of one file system cannot collide). When the layers span file systems, a backing number below
 * 2^48 on a layer root's device becomes {@code fsid << 48 | ino}, fsid numbering the layer roots' devices
 * from 1 in layer order (overlayfs's xino puts its fs id in the high bits the same way; one number per
 * filesystem, not per layer, so an inode keeps its number whichever layer of its filesystem it is reached
 * through). Anything else (another device below a layer root, a huge inode number) gets a number from a
 * counter in the reserved range 0xFFFF << 48. A copied-up file keeps the number of its origin through an
 * (upper dev, upper ino) -> number table, which hard links share; the table also remembers which upper inodes
 * have no usable origin ({@link Origins}), so the origin xattr is read once per inode and mount.
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
  /** Upper inodes known to have no usable origin; forgotten wholesale past NO_ORIGIN_MAX (then read again). */
  private final Set<DevIno> noOrigin = ConcurrentHashMap.newKeySet();
  private static final int NO_ORIGIN_MAX = 1 << 18;
  private final AtomicLong next = new AtomicLong(1);
  /** fsid of each layer root device (1 for the first in layer order); used when they span devices. */
  private final Map<Long, Long> fsids = new HashMap<>();
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
    for (long d : rootDevs) {
      fsids.putIfAbsent(d, (long) fsids.size() + 1);
    }
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
    if (oneDev == -1 && (ino & ~LOW_MASK) == 0) {
      Long fsid = fsids.get(dev);
      if (fsid != null && fsid < 0xFFFF) {
        return (fsid << 48) | ino;
      }
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

  /**
   * What is known of the origin of an upper inode: its merged number, {@link Origins#NONE} when it has none that
   * can be used, null when not known yet.
   */
  Long knownOrigin(long dev, long ino) {
    DevIno k = new DevIno(dev, ino);
    Long o = origins.isEmpty() ? null : origins.get(k);
    if (o != null) {
      return o;
    }
    return noOrigin.contains(k) ? Origins.NONE : null;
  }

  /** Records what {@link Origins#number} found for an upper inode. */
  void learnOrigin(long dev, long ino, long number) {
    DevIno k = new DevIno(dev, ino);
    if (number != Origins.NONE) {
      origins.putIfAbsent(k, number);
      return;
    }
    if (noOrigin.size() >= NO_ORIGIN_MAX) {
      noOrigin.clear();
    }
    noOrigin.add(k);
  }

  /** Records that the upper inode st now stands for merged inode number ino (after a copy-up). */
  void recordOrigin(Stat upperStat, long ino) {
    DevIno k = new DevIno(upperStat.dev(), upperStat.ino());
    noOrigin.remove(k);
    origins.put(k, ino);
  }

  /** Forgets the origin of an upper inode whose last link is gone, so a reused inode number starts fresh. */
  void forget(Stat upperStat) {
    DevIno k = new DevIno(upperStat.dev(), upperStat.ino());
    if (!origins.isEmpty()) {
      origins.remove(k);
    }
    noOrigin.remove(k);
  }
}
