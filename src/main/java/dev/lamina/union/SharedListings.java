package dev.lamina.union;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lower-layer listings that the mounts of one process share: a shared daemon serving fifty containers of one
 * image reads and keeps each of its directories once, not fifty times. A mount joins the listing of a layer root
 * (device, inode, redirect xattr) only while another mount holding it is live in the kernel at that moment: then a
 * change to the layer since the listing was read happened while it was mounted, which overlay rules out (as for
 * kernel overlayfs). Once every holder is unmounted the next mount starts afresh, so a layer changed between mounts
 * is read anew, also when the daemon has not yet released the old mounts.
 */
final class SharedListings {
  /** A layer root as the listings know it. equals and hashCode written out (see InodeMap.DevIno). */
  record Key(long dev, long ino, String redirectXattr) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.dev == dev && k.ino == ino && k.redirectXattr.equals(redirectXattr);
    }

    @Override
    public int hashCode() {
      return (Long.hashCode(dev) * 31 + Long.hashCode(ino)) * 31 + redirectXattr.hashCode();
    }
  }

  /** A mount that holds listings; live while the kernel still has it mounted. */
  interface Holder {
    boolean live();
  }

  /** The directories of one layer read so far, by their path in it ("" for the root). */
  static final class Listing {
    final Key key;
    final Map<String, LowerDirCache.LowerDir> dirs = new ConcurrentHashMap<>();
    /** Guarded by the class. */
    private final List<Holder> holders = new ArrayList<>(2);

    Listing(Key key) {
      this.key = key;
    }
  }

  /** The listing of each layer root that a new mount may join; guarded by the class. */
  private static final Map<Key, Listing> CURRENT = new HashMap<>();

  private SharedListings() {}

  /** The listing of the layer root {@code key} for holder h: the current one when a holder of it is live, else a new one. */
  static synchronized Listing acquire(Key key, Holder h) {
    Listing l = CURRENT.get(key);
    if (l == null || !anyLive(l)) {
      l = new Listing(key);
      CURRENT.put(key, l);
    }
    l.holders.add(h);
    return l;
  }

  /** h no longer uses l. */
  static synchronized void release(Listing l, Holder h) {
    l.holders.remove(h);
    if (l.holders.isEmpty() && CURRENT.get(l.key) == l) {
      CURRENT.remove(l.key);
    }
  }

  /** Layer roots with a listing a mount may join (for tests). */
  static synchronized int current() {
    return CURRENT.size();
  }

  private static boolean anyLive(Listing l) {
    for (Holder h : l.holders) {
      if (h.live()) {
        return true;
      }
    }
    return false;
  }
}
