package dev.lamina.layer;

/**
 * What one layer may expand to, so a compression bomb or a hostile tar fails cleanly instead of filling the
 * disk. Name components are always limited to 255 bytes (NAME_MAX); names are never truncated.
 *
 * @param maxBytes total bytes of file content in one layer
 * @param maxEntries number of tar entries in one layer
 * @param maxPathBytes length of an entry name in UTF-8 bytes (PATH_MAX is 4096)
 */
public record LayerLimits(long maxBytes, long maxEntries, int maxPathBytes) {
  public static final int NAME_MAX = 255;

  /** Generous for real images (the largest public layers are a few GiB with ~10^5 files). */
  public static final LayerLimits DEFAULT = new LayerLimits(64L << 30, 4_000_000, 4096);

  public LayerLimits {
    if (maxBytes < 0 || maxEntries < 0 || maxPathBytes < 1) {
      throw new IllegalArgumentException("layer limits must be positive: " + maxBytes + ", " + maxEntries + ", " + maxPathBytes);
    }
  }

  public LayerLimits withMaxBytes(long v) {
    return new LayerLimits(v, maxEntries, maxPathBytes);
  }

  public LayerLimits withMaxEntries(long v) {
    return new LayerLimits(maxBytes, v, maxPathBytes);
  }

  public LayerLimits withMaxPathBytes(int v) {
    return new LayerLimits(maxBytes, maxEntries, v);
  }
}
