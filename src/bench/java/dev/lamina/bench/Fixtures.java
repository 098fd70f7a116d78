package dev.lamina.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Small real directory trees for the micro-benchmarks (temp dirs, removed at tear-down). */
final class Fixtures {
  private Fixtures() {}

  static Path tempDir(String prefix) throws IOException {
    return Files.createTempDirectory(prefix);
  }

  static void touch(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.createFile(file);
  }

  static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("removing benchmark fixture " + root, e);
    }
  }
}
