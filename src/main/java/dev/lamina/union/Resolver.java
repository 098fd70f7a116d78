package dev.lamina.union;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
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
  private final Redirects redirects;
  private final MetaCopy metaCopy;
  /** Resolved directories by path, ordered so that a subtree is one range (for {@link #invalidate}). */
  private final ConcurrentSkipListMap<String, Entry> dirs = new ConcurrentSkipListMap<>();
  /**
   * The same entries hashed, for the point lookups every request makes (several per copy-up): a skip list
   * compares the path about log2(n) times, each time along the long prefix paths of one tree share, which had
   * been a tenth of the daemon's CPU in a {@code chmod -R}. Put here before {@link #dirs} and removed after it.
   */
  private final ConcurrentHashMap<String, Entry> byPath = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();
  private final int[] allLayers;

  Resolver(HostFs fs, LayerStack stack, LowerDirCache lower, Whiteouts whiteouts, LowerMerges merges,
      UpperNames upperNames, Redirects redirects, MetaCopy metaCopy) {
    this.redirects = redirects;
    this.metaCopy = metaCopy;
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

  Redirects redirects() {
    return redirects;
  }

  MetaCopy metaCopy() {
    return metaCopy;
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
    Entry r = byPath.get("");
    if (r == null) {
      Layer top = stack.get(0);
      Stat st = fs.fstat(top.fd());
      r = new Entry("", top, st, allLayers, stack.all().size() > 1);
      byPath.put("", r);
      dirs.put("", r);
    }
    return r;
  }

  /** The merged entry at rel, or null when it does not exist. ENOTDIR when an ancestor is not a directory. */
  Entry lookup(String rel) throws ErrnoException {
    if (rel.isEmpty()) {
      Entry r = root();
      return r.withStat(fs.fstat(r.layer().fd())); // fresh times
    }
    Entry d = byPath.get(rel);
    if (d != null) {
      // a resolved directory keeps its layers until invalidated: only its times and mode need a fresh stat
      // (a lower instance's stat is the one LowerDirCache keeps, as a full lookup would return)
      Stat st = d.layer().upper() ? fs.lstatOrNull(d.layer().fd(), rel) : d.stat();
      if (st != null && st.isDir()) {
        return d.withStat(st);
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
    Entry d = byPath.get(rel);
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
    return byPath.get(rel) == d;
  }

  /** Caches a resolved directory unless an invalidation happened since the lookup began (epoch seen). */
  private void remember(String rel, Entry e, long seen) {
    if (epoch.get() == seen) {
      byPath.putIfAbsent(rel, e);
      dirs.putIfAbsent(rel, e);
      if (epoch.get() != seen) {
        dirs.remove(rel, e);
        byPath.remove(rel, e);
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
    return firstLower < layers.length && merges.get(parent, firstLower).byName().containsKey(name);
  }

  /** Forgets cached resolutions of rel and everything below it; call after changing them in the upper layer. */
  void invalidate(String rel) {
    epoch.incrementAndGet();
    if (rel.isEmpty()) {
      dirs.clear();
      byPath.clear();
      return;
    }
    dirs.remove(rel);
    byPath.remove(rel);
    ConcurrentNavigableMap<String, Entry> sub = dirs.subMap(rel + "/", true, rel + "0", false);
    for (String below : sub.keySet()) {
      sub.remove(below);
      byPath.remove(below);
    }
  }

  /** {@link #invalidate}, then caches known (the directory just made at rel), unless another invalidation raced. */
  void invalidate(String rel, Entry known) {
    invalidate(rel);
    if (known != null) {
      remember(rel, known, epoch.get());
    }
  }

  /**
   * Looks name up in the merged directory parent; null when absent or whited out. The upper layer first
   * (at the merged path), then the lower layers: by name in the parent's lower instances, from the one the
   * lower merge names as holding it; or, once a directory instance carries a redirect, where that points
   * (a relative one: another name in the parent's lower instances; an absolute one: a path from the root of
   * every layer below), as kernel overlayfs's ovl_lookup does.
   */
  Entry lookupChild(Entry parent, String name) throws ErrnoException {
    if (Markers.isWhiteoutName(name)) {
      return null; // .wh.* names are overlay metadata, never visible
    }
    String rel = child(parent.rel(), name);
    int[] layers = parent.dirLayers();
    int firstLower = layers.length > 0 && stack.get(layers[0]).upper() ? 1 : 0;
    Integer lowerTop = null;
    if (firstLower < layers.length) {
      lowerTop = merges.get(parent, firstLower).top(name);
    }
    Found f = new Found(rel, stack.all().size());
    Redirects.Redirect redirect = null;
    if (firstLower == 1) {
      Layer l = stack.get(layers[0]);
      // the upper instance of parent is a directory here: its known names spare the statx of absent ones,
      // and of names known to be whiteout devices
      String pr = parent.rel();
      UpperNames.Stamp stamp = upperNames.stamp(pr);
      boolean knownWhiteout = upperNames.isWhiteout(pr, name);
      Stat st = !knownWhiteout && upperNames.mayHold(pr, name) ? fs.lstatOrNull(l.fd(), rel) : null;
      if (knownWhiteout || (st != null && st.isWhiteoutDevice())) {
        if (!knownWhiteout) {
          upperNames.sawWhiteout(pr, name, stamp);
        }
        return null;
      }
      if (st == null) {
        // a .wh. file only matters when a lower layer holds the name
        String wh = Markers.WH_PREFIX + name;
        if (lowerTop != null && upperNames.mayHold(pr, wh) && fs.lstatOrNull(l.fd(), child(pr, wh)) != null) {
          return null;
        }
      } else {
        if (f.add(l, rel, st) && isOpaque(l, rel)) {
          f.closed = true;
        }
        f.lowerBelow = lowerTop != null;
        if (f.closed) {
          return finish(parent, f);
        }
        if (stack.all().size() > 1) {
          redirect = redirects.read(l.fd(), rel);
        }
      }
    }
    if (redirect == null) {
      if (lowerTop == null) {
        return finish(parent, f);
      }
      // by name, from the top lower instance on
      lowerByName(parent, firstLower + lowerTop, name, f);
    } else if (!redirect.absolute()) {
      lowerByName(parent, firstLower, redirect.target(), f);
    } else {
      lowerByPath(stack.upper().index() + 1, redirect.target(), f);
    }
    return finish(parent, f);
  }

  /**
   * The entry found; for a metadata-only copy ({@link MetaCopy}) with the lower file holding its data, which
   * the lookup goes on to find below the copy, as the kernel's ovl_lookup does: by name in the parent's lower
   * instances, or where a redirect on the copy (or on a metadata-only copy below it) points. EIO when no layer
   * below holds the data; EPERM with metacopy=off.
   */
  private Entry finish(Entry parent, Found f) throws ErrnoException {
    Entry e = f.entry();
    if (e == null || !e.stat().isRegular() || !MetaCopy.candidate(e.stat())
        || !metaCopy.isMetacopy(f.top, f.topPath, f.topStat, f.topLower)) {
      return e;
    }
    MetaCopy.Data d = metacopyData(parent, f.top, f.topPath);
    if (d == null) {
      throw MetaCopy.noData(e.rel());
    }
    if (!metaCopy.enabled()) {
      throw metaCopy.refused(e.rel());
    }
    return e.withData(d);
  }

  /** The data file of the metadata-only copy at path in layer top (found in the merged directory parent), or null. */
  private MetaCopy.Data metacopyData(Entry parent, Layer top, String path) throws ErrnoException {
    int[] layers = parent.dirLayers();
    String name = nameOf(path);
    int k = -1; // by name: the position in the parent's layers searched next; -1: by path, from layer index next
    for (int i = 0; i < layers.length && k < 0; i++) {
      if (layers[i] == top.index() && child(parent.pathIn(i), name).equals(path)) {
        k = i + 1;
      }
    }
    int next = top.index() + 1;
    for (Layer l = top;;) {
      Redirects.Redirect r = l.upper() ? redirects.read(l.fd(), path) : fileRedirect(l, path);
      if (r != null && r.absolute()) {
        k = -1;
        path = r.target();
        next = l.index() + 1;
      } else if (r != null) {
        name = r.target();
        path = child(parentOf(path), name);
      }
      // the next layer holding the name
      LowerDirCache.LowerEntry le = null;
      l = null;
      while (le == null) {
        if (k >= 0) {
          if (k >= layers.length) {
            return null;
          }
          l = stack.get(layers[k]);
          path = child(parent.pathIn(k), name);
          k++;
        } else {
          if (next >= stack.all().size()) {
            return null;
          }
          l = stack.get(next++);
        }
        if (l.upper()) {
          continue;
        }
        LowerDirCache.LowerDir ld = lower.get(l, parentOf(path));
        le = ld.entries().get(nameOf(path));
        if (le == null && ld.whiteouts().contains(nameOf(path))) {
          return null;
        }
      }
      Stat st = lower.stat(l, path, le);
      if (!st.isRegular()) {
        return null;
      }
      if (!metaCopy.isMetacopy(l, path, st, le)) {
        return new MetaCopy.Data(l, path, st);
      }
      if (k < 0) {
        next = l.index() + 1;
      }
    }
  }

  /** The redirect of a metadata-only copy in a lower layer (read when met; such files are few), or null. */
  private Redirects.Redirect fileRedirect(Layer l, String path) throws ErrnoException {
    return l.index() == stack.all().size() - 1 ? null : redirects.read(l.fd(), path);
  }


  /** What a lookup has found so far: the top instance and the directory instances below it. */
  private static final class Found {
    final String rel;
    Layer top;
    Stat topStat;
    String topPath;
    /** The cached lower entry of the top instance, when it is in a lower layer. */
    LowerDirCache.LowerEntry topLower;
    final int[] dl;
    final String[] paths;
    int nd;
    boolean closed;
    boolean lowerBelow;
    boolean moved;

    Found(String rel, int layers) {
      this.rel = rel;
      dl = new int[layers];
      paths = new String[layers];
    }

    /**
     * Records an instance found at path in l; true when it joins the directory's layers (then the caller
     * checks whether it is opaque). A non-directory on top, or below a directory, closes the merge.
     */
    boolean add(Layer l, String path, Stat st) {
      if (top == null) {
        top = l;
        topStat = st;
        topPath = path;
      } else if (!top.upper()) {
        lowerBelow = true; // (for an upper top the caller sets it: whether a lower layer holds the name itself)
      }
      if (closed) {
        return false;
      }
      if (!st.isDir()) {
        closed = true;
        return false;
      }
      dl[nd] = l.index();
      paths[nd++] = path;
      moved |= !path.equals(rel);
      return true;
    }

    Entry entry() {
      if (top == null) {
        return null;
      }
      return new Entry(rel, top, topStat, Arrays.copyOf(dl, nd), lowerBelow, topPath,
          moved ? Arrays.copyOf(paths, nd) : null);
    }
  }

  /** Continues a lookup of name in the parent's lower instances from its k-th layer on. */
  private void lowerByName(Entry parent, int k, String name, Found f) throws ErrnoException {
    int[] layers = parent.dirLayers();
    for (; k < layers.length; k++) {
      Layer l = stack.get(layers[k]);
      String p = child(parent.pathIn(k), name);
      int r = lowerOne(l, p, f);
      if (r == STOP || (r == FOUND && f.closed)) {
        return;
      }
      if (r == FOUND) {
        Redirects.Redirect next = lowerRedirect(l, p);
        if (next != null) {
          if (next.absolute()) {
            lowerByPath(l.index() + 1, next.target(), f);
            return;
          }
          name = next.target();
        }
      }
    }
  }

  /** Continues a lookup of path (from the layer roots) in every layer from index from on. */
  private void lowerByPath(int from, String path, Found f) throws ErrnoException {
    for (int i = from; i < stack.all().size(); i++) {
      Layer l = stack.get(i);
      int r = lowerOne(l, path, f);
      if (r == STOP || (r == FOUND && f.closed)) {
        return;
      }
      if (r == FOUND) {
        Redirects.Redirect next = lowerRedirect(l, path);
        if (next != null) {
          path = next.absolute() ? next.target() : child(parentOf(path), next.target());
        }
      }
    }
  }

  private static final int ABSENT = 0;
  private static final int FOUND = 1;
  private static final int STOP = 2;

  /** Looks path up in lower layer l (from the cached listing of its parent): ABSENT, FOUND (added to f), STOP (whiteout). */
  private int lowerOne(Layer l, String path, Found f) throws ErrnoException {
    LowerDirCache.LowerDir ld = lower.get(l, parentOf(path));
    String n = nameOf(path);
    LowerDirCache.LowerEntry le = ld.entries().get(n);
    if (le == null) {
      return ld.whiteouts().contains(n) ? STOP : ABSENT;
    }
    boolean wasTop = f.top == null;
    if (f.add(l, path, lower.stat(l, path, le)) && lower.get(l, path).opaque()) {
      f.closed = true;
    }
    if (wasTop) {
      f.topLower = le;
    }
    return FOUND;
  }

  /** The redirect of the lower directory at path in l, unless l is the lowest layer (nothing below to redirect to). */
  private Redirects.Redirect lowerRedirect(Layer l, String path) throws ErrnoException {
    if (l.index() == stack.all().size() - 1) {
      return null;
    }
    byte[] raw = lower.get(l, path).redirect();
    return raw == null ? null : redirects.follow(raw, path);
  }

  private boolean isOpaque(Layer l, String rel) throws ErrnoException {
    if (l.upper()) {
      return stack.all().size() > 1
          && whiteouts.isOpaque(l.fd(), rel, upperNames.mayHoldIfKnown(rel, Markers.OPAQUE_FILE));
    }
    return lower.get(l, rel).opaque();
  }
}
