package dev.lamina.union;

import dev.lamina.sys.Stat;

/**
 * A merged entry found by lookup: the layer and backing stat of its topmost instance; for a directory the
 * layers that contribute to the merged listing (top first); and whether a lower layer below the top instance
 * still holds the name (then removing it needs a whiteout).
 *
 * <p>An instance is usually at the merged path in its layer. A redirect (see {@link Redirects}) can put a
 * lower instance elsewhere: {@code path} is where the top instance is in its layer, {@code dirPaths} where
 * each of {@code dirLayers} holds the directory (null when all are at {@code rel}). The upper instance is
 * always at {@code rel}.
 *
 * @param rel path relative to the layer roots ("" for the root)
 * @param lowerBelow some lower layer below {@code layer} has an entry with this name
 * @param path the top instance's path in {@code layer}
 * @param dirPaths the directory's path in each of {@code dirLayers}, or null when every one is {@code rel}
 * @param data for a metadata-only copy (the kernel's metacopy), the lower file holding its data; else null
 */
record Entry(String rel, Layer layer, Stat stat, int[] dirLayers, boolean lowerBelow, String path, String[] dirPaths,
    MetaCopy.Data data) {

  /** An entry whose instances are all at the merged path. */
  Entry(String rel, Layer layer, Stat stat, int[] dirLayers, boolean lowerBelow) {
    this(rel, layer, stat, dirLayers, lowerBelow, rel, null, null);
  }

  Entry(String rel, Layer layer, Stat stat, int[] dirLayers, boolean lowerBelow, String path, String[] dirPaths) {
    this(rel, layer, stat, dirLayers, lowerBelow, path, dirPaths, null);
  }

  /** The same entry as a metadata-only copy whose data is in d. */
  Entry withData(MetaCopy.Data d) {
    return new Entry(rel, layer, stat, dirLayers, lowerBelow, path, dirPaths, d);
  }

  /** Whether this is a metadata-only copy: its data is read from {@link #data()}. */
  boolean isMetacopy() {
    return data != null;
  }

  /** The directory's path in its k-th contributing layer ({@code dirLayers()[k]}). */
  String pathIn(int k) {
    return dirPaths == null ? rel : dirPaths[k];
  }

  /** The same entry with a fresh stat of its top instance. */
  Entry withStat(Stat st) {
    return new Entry(rel, layer, st, dirLayers, lowerBelow, path, dirPaths, data);
  }

  boolean isDir() {
    return stat.isDir();
  }

  boolean inUpper() {
    return layer.upper();
  }

  /** Removing or renaming this entry must leave a whiteout (some lower layer holds the name). */
  boolean needsWhiteout() {
    return !layer.upper() || lowerBelow;
  }

  /**
   * A directory whose listing comes from the upper layer alone (new, or opaque over a lower one): it may be
   * renamed without a redirect; kernel overlayfs with redirect_dir off answers EXDEV for merged and lower
   * directories.
   */
  boolean isPureUpperDir() {
    return isDir() && layer.upper() && dirLayers.length == 1;
  }
}
