package dev.lamina.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The {@code scripts/lamina} the test users run. When the checkout is not readable by them (CI may build under
 * /root), the launcher and the shaded jar are copied once into a world-readable directory in /tmp.
 */
final class Launcher {
  private static Path launcher;

  private Launcher() {}

  static Path home() {
    return Path.of(System.getProperty("lamina.home", ".")).toAbsolutePath();
  }

  static synchronized String path(TestUser user) throws Exception {
    if (launcher == null) {
      Path script = home().resolve("scripts/lamina");
      Path jar = home().resolve("target/lamina.jar");
      if (user.run(List.of("test", "-r", jar.toString(), "-a", "-x", script.toString()), null, 30).code() == 0) {
        launcher = script;
      } else {
        Path d = Files.createTempDirectory(Path.of("/tmp"), "lamina-run-it-bin-");
        Files.createDirectories(d.resolve("scripts"));
        Files.createDirectories(d.resolve("target"));
        Files.copy(script, d.resolve("scripts/lamina"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(jar, d.resolve("target/lamina.jar"));
        TestUser.exec(List.of("chmod", "-R", "a+rX", d.toString()), 10);
        d.toFile().deleteOnExit();
        launcher = d.resolve("scripts/lamina");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            TestUser.exec(List.of("rm", "-rf", d.toString()), 30);
          } catch (Exception e) {
            // best effort
          }
        }));
      }
    }
    return launcher.toString();
  }
}
