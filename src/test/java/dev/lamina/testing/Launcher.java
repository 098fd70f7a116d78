package dev.lamina.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout's {@code scripts/lamina}, for tests that run it as users do. */
public final class Launcher {
  private Launcher() {}

  /** The checkout (system property {@code lamina.home}, set by the build; else the working directory). */
  public static Path home() {
    return Path.of(System.getProperty("lamina.home", ".")).toAbsolutePath().normalize();
  }

  /** Skips the test, saying why, unless this user can open /dev/fuse for reading and writing and the jar is built. */
  public static void assumeCanMount() {
    assumeTrue(Files.isReadable(Path.of("/dev/fuse")) && Files.isWritable(Path.of("/dev/fuse")),
        "needs /dev/fuse (read and write)");
    assumeTrue(Files.isRegularFile(home().resolve("target/lamina.jar")), "needs target/lamina.jar (mvn package)");
  }
}
