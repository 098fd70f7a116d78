package dev.lamina.image;

import java.io.IOException;

/**
 * Opens the image a reference names. {@link ImageSource#files()} handles every transport except names in lamina's
 * own store ({@link ImageReference.StoreName}), which the layer store resolves by wrapping it: {@code
 * ref instanceof ImageReference.StoreName n ? store.open(n, platform) : ImageSource.files().open(ref, platform)}.
 */
@FunctionalInterface
public interface ImageResolver {
  /**
   * Opens the image. {@code platform} null means the host platform for multi-platform images and no platform check
   * for single-platform ones; an explicit platform must match.
   */
  Image open(ImageReference ref, Platform platform) throws IOException;
}
