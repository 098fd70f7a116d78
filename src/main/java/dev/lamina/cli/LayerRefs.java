package dev.lamina.cli;

import dev.lamina.image.Image;
import dev.lamina.image.ImageException;
import dev.lamina.image.ImageReference;
import dev.lamina.image.ImageSource;
import dev.lamina.image.Platform;
import dev.lamina.layer.StoreImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the image a {@code layers}/{@code explore} reference names (files, or names in lamina's store). */
final class LayerRefs {
  private LayerRefs() {}

  static Image open(String text, Platform platform, StoreOptions store) throws IOException {
    try {
      ImageReference r = ImageSource.parse(text);
      // open the store only when it exists: reading a file must not create /var/lib/lamina
      Path root = store.root();
      if (r instanceof ImageReference.StoreName && !Files.isDirectory(root)) {
        throw new UserError("'" + text + "' names an image in lamina's store, but there is no store at " + root
            + "; load the image first (lamina load REF), give the store with --root, or use a transport such as "
            + "oci:DIR", 1);
      }
      return Files.isDirectory(root)
          ? StoreImages.resolver(store.open()).open(r, platform)
          : ImageSource.files().open(r, platform);
    } catch (ImageException e) {
      throw new UserError(e.getMessage());
    }
  }
}
