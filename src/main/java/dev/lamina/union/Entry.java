package dev.lamina.union;

import dev.lamina.sys.Stat;

/**
 * A merged entry found by lookup: the layer and backing stat of its topmost instance; for a directory the
 * layers that contribute to the merged listing (top first); and whether a lower layer below the top instance
 * still holds the name (then removing it needs a whiteout).
 *
 * @param rel path relative to the layer roots ("" for the root)
 * @param lowerBelow some lower layer below {@code layer} has an entry with this name
 */
record Entry(String rel, Layer layer, Stat stat, int[] dirLayers, boolean lowerBelow) {

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
   * renamed; kernel overlayfs without redirect_dir answers EXDEV for merged and lower directories.
   */
  boolean isPureUpperDir() {
    return isDir() && layer.upper() && dirLayers.length == 1;
  }
}
