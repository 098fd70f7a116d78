package dev.lamina.engine;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the engine tests need from the machine; each missing piece skips them with the reason on the console. */
final class EngineTools {
  static final String FUSE_OVERLAYFS = "/usr/bin/fuse-overlayfs";

  private EngineTools() {}

  /** Skips (printing why) unless {@code ok}. */
  static void require(boolean ok, String reason) {
    if (!ok) {
      System.out.println("SKIPPED: " + reason);
    }
    assumeTrue(ok, reason);
  }

  static void requireTools(String... tools) throws IOException {
    require(isRoot(), "the engine tests run as root (they also create the rootless test user)");
    require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing");
    require(Files.isExecutable(Path.of(FUSE_OVERLAYFS)), FUSE_OVERLAYFS + " is missing (apt-get install fuse-overlayfs)");
    for (String t : List.of(tools)) {
      require(Tools.onPath(t), t + " is not installed (apt-get install " + t + ")");
    }
    require(Files.isRegularFile(home().resolve("target/lamina.jar")), "target/lamina.jar is missing (mvn package)");
  }

  static void requireRootless() throws IOException {
    require(Tools.onPath("newuidmap") && Tools.onPath("newgidmap"), "newuidmap/newgidmap are missing (apt-get install uidmap)");
    require(Tools.onPath("runuser"), "runuser is missing");
  }

  static boolean isRoot() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  static Path home() {
    return Path.of(System.getProperty("lamina.home", ".")).toAbsolutePath().normalize();
  }

  /** The bundled example image (an OCI layout), copied where the test user can read it. */
  static Path exampleImage(Path parent) throws IOException {
    Path dst = parent.resolve("busybox-layers");
    Run.run("cp", "-r", home().resolve("src/example/busybox-layers").toString(), dst.toString()).check();
    Run.run("chmod", "-R", "a+rX", dst.toString()).check();
    return dst;
  }

  static Path tempDir() throws IOException {
    Path d = Files.createTempDirectory(Path.of("/tmp"), "eng"); // podman: a run root of at most 50 characters
    Run.run("chmod", "0755", d.toString()).check();
    return d;
  }
}
