package dev.lamina.layer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one layer's uncompressed tar stream into a diff directory. Every entry name is untrusted and goes
 * through {@link SafePath}; the whiteout form, ownership handling and limits come from {@link ExtractOptions}.
 */
public final class LayerExtractor {
  private static final Logger LOG = LoggerFactory.getLogger(LayerExtractor.class);

  private final ExtractOptions options;

  public LayerExtractor(ExtractOptions options) {
    this.options = options;
  }

  public ExtractOptions options() {
    return options;
  }

  /**
   * Extracts {@code tar} into {@code newDir}, which must not exist yet. On any failure {@code newDir} is removed
   * again, so a failed extraction leaves nothing behind.
   */
  public LayerStats extract(InputStream tar, Path newDir) throws IOException {
    return extract(tar, newDir, "the layer tar");
  }

  /** As {@link #extract(InputStream, Path)}; {@code what} names the layer in errors about its tar. */
  public LayerStats extract(InputStream tar, Path newDir, String what) throws IOException {
    Files.createDirectory(newDir);
    boolean ok = false;
    try {
      LayerStats stats = new Extraction(newDir, options, what).run(tar);
      ok = true;
      return stats;
    } finally {
      if (!ok) {
        try {
          Trees.deleteRecursively(newDir);
        } catch (IOException e) {
          LOG.warn("could not remove the partial layer {}: {}", newDir, e.toString());
        }
      }
    }
  }

  /**
   * Applies {@code tar} on top of an existing directory (a flat rootfs); with {@link WhiteoutFormat.ApplyWhiteouts}
   * whiteouts delete what lower layers put there. A failure leaves the directory as far as it got.
   */
  public LayerStats apply(InputStream tar, Path dir) throws IOException {
    return new Extraction(dir, options, "the layer tar").run(tar);
  }
}
