package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.DirEnt;
import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Listings of lower-layer directories, read once with getdents64 and kept for the life of the mount: lower
 * layers must not change while mounted (as for kernel overlayfs), so no entry ever goes stale. Whiteouts
 * (0/0 char devices and {@code .wh.NAME}) and the opaque markers are decoded here, once. Once the mount is live
 * and says so ({@link #shareWhile}), later mounts of the same layers in this process share its listings
 * ({@link SharedListings}).
 */
final class LowerDirCache implements SharedListings.Holder {

  /** A real entry of a lower dir; its stat (and override xattr) is read on first use and then kept. */
  static final class LowerEntry {
    /** The listing of the layer it is in (shared by mounts: {@link #layerOf} gives a mount's layer). */
    final SharedListings.Listing listing;
    /** The path of the directory holding it, in its layer (not the merged path when a redirect led there). */
    final String dir;
    final String name;
    final long ino;
    final int dtype;
    volatile Stat stat;
    /** Its user.containers.override_stat, read on first use (AttrFactory); null until then. */
    volatile OverrideStat override;
    /** Whether it is a metadata-only copy ({@link MetaCopy}): 0 not known yet, 1 no, 2 yes. */
    volatile byte metacopy;

    LowerEntry(SharedListings.Listing listing, String dir, String name, long ino, int dtype) {
      this.listing = listing;
      this.dir = dir;
      this.name = name;
      this.ino = ino;
      this.dtype = dtype;
    }

    boolean isDir() {
      return dtype == DT_DIR;
    }

    /** Its path in its layer. */
    String path() {
      return Resolver.child(dir, name);
    }
  }

  /**
   * A lower directory: its entries (without whiteouts), the names it whites out, whether it is opaque, and
   * its raw redirect xattr (null when none; see {@link Redirects}).
   */
  record LowerDir(boolean exists, Map<String, LowerEntry> entries, List<LowerEntry> ordered, Set<String> whiteouts,
      boolean opaque, byte[] redirect) {
    static final LowerDir ABSENT = new LowerDir(false, Map.of(), List.of(), Set.of(), false, null);
  }

  private final HostFs fs;
  private final LayerStack stack;
  /** The redirect xattr this mount reads ({@link Redirects#xattr}). */
  private final String redirectXattr;
  /** The listing of each lower layer by its index, null for the upper. */
  private final SharedListings.Listing[] byLayer;
  /** Whether the mount is still live (set once it is), or null: until then no other mount joins its listings. */
  private volatile java.util.function.BooleanSupplier live;
  private boolean closed;

  LowerDirCache(HostFs fs, LayerStack stack, String redirectXattr) throws ErrnoException {
    this.fs = fs;
    this.stack = stack;
    this.redirectXattr = redirectXattr;
    this.byLayer = new SharedListings.Listing[stack.all().size()];
    for (Layer l : stack.all()) {
      if (!l.upper()) {
        Stat root = fs.fstat(l.fd());
        byLayer[l.index()] = SharedListings.acquire(new SharedListings.Key(root.dev(), root.ino(), redirectXattr), this);
      }
    }
  }

  /** From now on other mounts may join this one's listings while {@code live} says it is mounted. */
  void shareWhile(java.util.function.BooleanSupplier live) {
    this.live = live;
  }

  @Override
  public boolean live() {
    java.util.function.BooleanSupplier l = live;
    return l != null && l.getAsBoolean();
  }

  /** This mount's layer of a listed entry. */
  Layer layerOf(LowerEntry e) {
    SharedListings.Listing[] ls = byLayer;
    for (int i = 0; i < ls.length; i++) {
      if (ls[i] == e.listing) {
        return stack.get(i);
      }
    }
    throw new IllegalStateException("a lower entry of another mount's layer: " + e.path());
  }

  /** The listing of rel in the layer at {@code index} if read already, else null (for tests). */
  LowerDir listed(int index, String rel) {
    return byLayer[index].dirs.get(rel);
  }

  /** Leaves the shared listings (the mount is gone). */
  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    live = null;
    for (SharedListings.Listing l : byLayer) {
      if (l != null) {
        SharedListings.release(l, this);
      }
    }
  }

  /** The listing of rel ("" for the root) in a lower layer; ABSENT when it is missing or not a directory. */
  LowerDir get(Layer layer, String rel) throws ErrnoException {
    Map<String, LowerDir> m = byLayer[layer.index()].dirs;
    LowerDir d = m.get(rel);
    if (d == null) {
      d = load(layer, byLayer[layer.index()], rel);
      LowerDir prev = m.putIfAbsent(rel, d);
      if (prev != null) {
        d = prev;
      }
    }
    return d;
  }

  /** The stat of an entry of a lower dir, read once. */
  Stat stat(Layer layer, String rel, LowerEntry e) throws ErrnoException {
    Stat st = e.stat;
    if (st == null) {
      st = fs.lstat(layer.fd(), rel);
      e.stat = st;
    }
    return st;
  }

  private LowerDir load(Layer layer, SharedListings.Listing listing, String rel) throws ErrnoException {
    int fd;
    try {
      fd = fs.openBeneath(layer.fd(), rel, AccessTimes.own(O_RDONLY | O_DIRECTORY), 0);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR || e.errno() == Errno.ELOOP) {
        return LowerDir.ABSENT;
      }
      throw e;
    }
    try {
      List<DirEnt> ents = fs.readdir(fd);
      Map<String, LowerEntry> entries = new HashMap<>(ents.size() * 2);
      List<LowerEntry> ordered = new ArrayList<>(ents.size());
      Set<String> whiteouts = new HashSet<>();
      boolean opaque = false;
      for (DirEnt de : ents) {
        String name = de.name();
        if (name.equals(Markers.OPAQUE_FILE)) {
          opaque = true;
          continue;
        }
        if (Markers.isWhiteoutName(name)) {
          whiteouts.add(name.substring(Markers.WH_PREFIX.length()));
          continue;
        }
        int dtype = de.dtype();
        Stat st = null;
        if (dtype == DT_CHR || dtype == DT_UNKNOWN) {
          st = fs.lstat(fd, name);
          if (st.isWhiteoutDevice()) {
            whiteouts.add(name);
            continue;
          }
          dtype = dtypeOfMode(st.mode());
        }
        // interned: a node of the FUSE session and every mount of the same image in a shared daemon hold one copy
        name = name.intern();
        LowerEntry le = new LowerEntry(listing, rel, name, de.ino(), dtype);
        le.stat = st;
        entries.put(name, le);
        ordered.add(le);
      }
      whiteouts.removeAll(entries.keySet()); // a real entry wins over a whiteout in the same layer
      List<String> xattrs = Whiteouts.listXattrsQuietly(fs, fd);
      opaque |= Whiteouts.hasOpaqueXattr(fs, fd, xattrs);
      byte[] redirect = xattrs.contains(redirectXattr) ? fs.fgetxattr(fd, redirectXattr) : null;
      return new LowerDir(true, entries, ordered, whiteouts, opaque, redirect);
    } finally {
      fs.closeQuietly(fd);
    }
  }
}
