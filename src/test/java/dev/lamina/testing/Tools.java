package dev.lamina.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Host tools a test needs: found on PATH, or the test skips, naming what is missing and its package. */
public final class Tools {
  private Tools() {}

  /** Whether {@code tool} is an executable in a directory of PATH. */
  public static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Skips the test unless every tool is on PATH ("needs python3 (not on PATH)"). */
  public static void assumeOnPath(String... tools) {
    List<String> missing = Arrays.stream(tools).filter(t -> !onPath(t)).toList();
    assumeTrue(missing.isEmpty(), () -> "needs " + String.join(", ", missing) + " (not on PATH)");
  }
}
