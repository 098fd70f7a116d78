package dev.lamina.cli;

import dev.lamina.image.Image;
import dev.lamina.image.ImageException;
import dev.lamina.image.ImageSource;
import dev.lamina.image.Platform;
import java.io.IOException;

/** Opens the image a {@code layers}/{@code explore} reference names, with errors the user can act on. */
final class LayerRefs {
  private LayerRefs() {}

  static Image open(String text, Platform platform) throws IOException {
    try {
      return ImageSource.open(ImageSource.parse(text), platform);
    } catch (ImageException e) {
      throw new UserError(e.getMessage());
    }
  }
}
