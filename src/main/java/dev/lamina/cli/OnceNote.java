package dev.lamina.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A note printed on stderr once per store (and again when its text changes), remembered in a small file under
 * the store's {@code notes/}; later runs only log it at debug level.
 */
final class OnceNote {
  private static final Logger LOG = LoggerFactory.getLogger(OnceNote.class);

  private OnceNote() {}

  static void print(Path storeRoot, String key, String text) {
    Path marker = storeRoot.resolve("notes").resolve(key);
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try {
      if (Files.isRegularFile(marker) && Arrays.equals(Files.readAllBytes(marker), bytes)) {
        LOG.debug("{}", text);
        return;
      }
    } catch (IOException e) {
      // unreadable: say it again
    }
    System.err.println(text);
    try {
      Files.createDirectories(marker.getParent());
      Files.write(marker, bytes);
    } catch (IOException e) {
      LOG.debug("cannot remember that {} was said: {}", marker, e.toString());
    }
  }
}
