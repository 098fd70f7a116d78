package dev.lamina.union;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.util.Arrays;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lookup through the layer stack, component by component, as overlayfs does: the first layer holding a
 * name decides its type; a whiteout stops the search; a directory merges with directories of the same name
 * below until an opaque one or a non-directory. Lower layers are read from {@link LowerDirCache} and
 * {@link LowerMerges} (no system call once warm, whatever the number of layers); the upper layer with one
 * statx of the path relative to the upper root on every lookup. A path is only resolved below a directory
 * that was itself found to be a real directory in that layer, so no symlink inside a layer is followed (the
 * union is the only writer of the upper layer while mounted; writes open their parent with openat2
 * RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS all the same).
 *
 * <p>Resolved directories are cached by path; every change the union makes to the upper layer that can alter
 * a directory's resolution (mkdir, rmdir, rename, copy-up of a directory, opaque marking) invalidates the
 * path and its subtree. An epoch counter keeps a lookup that raced with an invalidation from caching a stale
 * result.
 */
final class Resolver {
  private final HostFs fs;
  private final LayerStack stack;
  private final LowerDirCache lower;
  private final Whiteouts whiteouts;
  private final LowerMerges merges;
  private final UpperNames upperNames;
  private final ConcurrentSkipListMap<String, Entry> dirs = new ConcurrentSkipListMap<>();
  private final AtomicLong epoch = new AtomicLong();
  private final int[] allLayers;

  Resolver(HostFs fs, LayerStack stack, LowerDirCache lower, Whiteouts whiteouts, LowerMerges merges,
      UpperNames upperNames) {
    this.merges = merges;
    this.upperNames = upperNames;
    this.fs = fs;
    this.stack = stack;
    this.lower = lower;
    this.whiteouts = whiteouts;
    allLayers = new int[stack.all().size()];
    for (int i = 0; i < allLayers.length; i++) {
      allLayers[i] = i;
    }
  }

  static String parentOf(String rel) {
    int i = rel.lastIndexOf('/');
    return i < 0 ? "" : rel.substring(0, i);
  }

  static String nameOf(String rel) {
    return rel.substring(rel.lastIndexOf('/') + 1);
  }

  static String child(String parentRel, String name) {
    return parentRel.isEmpty() ? name : parentRel + "/" + name;
  }

  /** The root directory: every layer contributes (an opaque marker on a layer root is ignored, as by overlayfs). */
  Entry root() throws ErrnoException {
    Entry r = dirs.get("");
    if (r == null) {
      Layer top = stack.get(0);
      Stat st = fs.fstat(top.fd());
      r = new Entry("", top, st, allLayers, stack.all().size() > 1);
      dirs.put("", r);
    }
    return r;
  }

  /** The merged entry at rel, or null when it does not exist. ENOTDIR when an ancestor is not a directory. */
  Entry lookup(String rel) throws ErrnoException {
    if (rel.isEmpty()) {
      Entry r = root();
      return new Entry("", r.layer(), fs.fstat(r.layer().fd()), r.dirLayers(), r.lowerBelow()); // fresh times
    }
    Entry d = dirs.get(rel);
    if (d != null) {
      // a resolved directory keeps its layers until invalidated: only its times and mode need a fresh stat
      // (a lower instance's stat is the one LowerDirCache keeps, as a full lookup would return)
      Stat st = d.layer().upper() ? fs.lstatOrNull(d.layer().fd(), rel) : d.stat();
      if (st != null && st.isDir()) {
        return new Entry(rel, d.layer(), st, d.dirLayers(), d.lowerBelow());
      }
    }
    long seen = epoch.get();
    Entry parent = dir(parentOf(rel));
    Entry e = lookupChild(parent, nameOf(rel));
    if (e != null && e.isDir()) {
      remember(rel, e, seen);
    }
    return e;
  }

  /** The merged entry at rel; ENOENT when missing. */
  Entry require(String rel) throws ErrnoException {
    Entry e = lookup(rel);
    if (e == null) {
      throw new ErrnoException(Errno.ENOENT, "lookup", "/" + rel);
    }
    return e;
  }

  /** The merged directory at rel; ENOENT when missing, ENOTDIR when it is not a directory. */
  Entry dir(String rel) throws ErrnoException {
    if (rel.isEmpty()) {
      return root();
    }
    Entry d = dirs.get(rel);
    if (d != null) {
      return d;
    }
    long seen = epoch.get();
    Entry parent = dir(parentOf(rel));
    Entry e = lookupChild(parent, nameOf(rel));
    if (e == null) {
      throw new ErrnoException(Errno.ENOENT, "lookup", "/" + rel);
    }
    if (!e.isDir()) {
      throw new ErrnoException(Errno.ENOTDIR, "lookup", "/" + rel);
    }
    remember(rel, e, seen);
    return e;
  }

  /** Whether d is still the cached resolution of the directory rel (no change to it since d was resolved). */
  boolean isCurrent(String rel, Entry d) {
    return dirs.get(rel) == d;
  }

  /** Caches a resolved directory unless an invalidation happened since the lookup began (epoch seen). */
  private void remember(String rel, Entry e, long seen) {
    if (epoch.get() == seen) {
      dirs.putIfAbsent(rel, e);
      if (epoch.get() != seen) {
        dirs.remove(rel, e);
      }
    }
  }

  /**
   * Whether a lower layer of the merged directory parent holds name visibly (below parent's upper instance,
   * above any opaque bound), from the cached lower merge: no system call.
   */
  boolean lowerHolds(Entry parent, String name) throws ErrnoException {
    int[] layers = parent.dirLayers();
    int firstLower = layers.length > 0 && stack.get(layers[0]).upper() ? 1 : 0;
    return firstLower < layers.length && merges.get(parent.rel(), layers, firstLower).topPos().containsKey(name);
  }

  /** Forgets cached resolutions of rel and everything below it; call after changing them in the upper layer. */
  void invalidate(String rel) {
    epoch.incrementAndGet();
    if (rel.isEmpty()) {
      dirs.clear();
      return;
    }
    dirs.remove(rel);
    ConcurrentNavigableMap<String, Entry> sub = dirs.subMap(rel + "/", true, rel + "0", false);
    sub.clear();
  }

  /** {@link #invalidate}, then caches known (the directory just made at rel), unless another invalidation raced. */
  void invalidate(String rel, Entry known) {
    invalidate(rel);
    if (known != null) {
      remember(rel, known, epoch.get());
    }
  }

  /** Looks name up in the merged directory parent; null when absent or whited out. */
  Entry lookupChild(Entry parent, String name) throws ErrnoException {
    if (Markers.isWhiteoutName(name)) {
      return null; // .wh.* names are overlay metadata, never visible
    }
    String rel = child(parent.rel(), name);
    Layer top = null;
    Stat topStat = null;
    int[] dl = null;
    int nd = 0;
    boolean dirsClosed = false;
    boolean lowerBelow = false;
    int[] layers = parent.dirLayers();
    int firstLower = layers.length > 0 && stack.get(layers[0]).upper() ? 1 : 0;
    Integer lowerTop = null;
    if (firstLower < layers.length) {
      lowerTop = merges.get(parent.rel(), layers, firstLower).topPos().get(name);
    }
    for (int k = 0; k < layers.length; k++) {
      if (k == firstLower) {
        // the lower merge knows where the top lower instance is, or that there is none
        if (lowerTop == null) {
          break;
        }
        k = firstLower + lowerTop;
      }
      Layer l = stack.get(layers[k]);
      Stat st;
      boolean whiteout;
      if (l.upper()) {
        // the upper instance of parent is a directory here: its known names spare the statx of absent ones,
        // and of names known to be whiteout devices
        String pr = parent.rel();
        UpperNames.Stamp stamp = upperNames.stamp(pr);
        boolean knownWhiteout = upperNames.isWhiteout(pr, name);
        st = !knownWhiteout && upperNames.mayHold(pr, name) ? fs.lstatOrNull(l.fd(), rel) : null;
        if (knownWhiteout || (st != null && st.isWhiteoutDevice())) {
          if (!knownWhiteout) {
            upperNames.sawWhiteout(pr, name, stamp);
          }
          whiteout = true;
          st = null;
        } else {
          // a .wh. file only matters when a lower layer holds the name
          String wh = Markers.WH_PREFIX + name;
          whiteout = st == null && lowerTop != null && upperNames.mayHold(parent.rel(), wh)
              && fs.lstatOrNull(l.fd(), child(parent.rel(), wh)) != null;
        }
      } else {
        LowerDirCache.LowerDir ld = lower.get(l, parent.rel());
        LowerDirCache.LowerEntry le = ld.entries().get(name);
        if (le != null) {
          st = lower.stat(l, rel, le);
          whiteout = false;
        } else {
          st = null;
          whiteout = ld.whiteouts().contains(name);
        }
      }
      if (st == null) {
        if (whiteout) {
          break;
        }
        continue;
      }
      if (top == null) {
        top = l;
        topStat = st;
        if (st.isDir()) {
          dl = new int[layers.length - k];
          dl[nd++] = l.index();
          dirsClosed = isOpaque(l, rel);
        } else {
          dirsClosed = true;
        }
        continue;
      }
      if (!l.upper()) {
        lowerBelow = true;
      }
      if (!dirsClosed) {
        if (st.isDir()) {
          dl[nd++] = l.index();
          dirsClosed = isOpaque(l, rel);
        } else {
          dirsClosed = true;
        }
      }
      if (dirsClosed && (lowerBelow || !top.upper())) {
        break;
      }
    }
    if (top == null) {
      return null;
    }
    return new Entry(rel, top, topStat, dl == null ? new int[0] : Arrays.copyOf(dl, nd), lowerBelow);
  }

  private boolean isOpaque(Layer l, String rel) throws ErrnoException {
    if (l.upper()) {
      return stack.all().size() > 1
          && whiteouts.isOpaque(l.fd(), rel, upperNames.mayHoldIfKnown(rel, Markers.OPAQUE_FILE));
    }
    return lower.get(l, rel).opaque();
  }
}
