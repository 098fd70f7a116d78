package dev.lamina.image;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The image-format fixtures made by {@code scripts/make-test-images} (umoci + skopeo from busybox-static), built
 * once per script version into {@code target/test-images-<hash>} of the checkout (so each user and each clone has
 * its own, never a shared /tmp path another user's run could have made unreadable) and reused by later runs until
 * {@code mvn clean}; tests skip when umoci or skopeo is missing. Other packages' tests may use it too.
 */
public final class TestImages {
  private static Path dir;

  private TestImages() {}

  /** The fixture directory (see scripts/make-test-images for its contents). */
  public static synchronized Path dir() throws IOException, InterruptedException {
    if (dir != null) {
      return dir;
    }
    assumeTrue(onPath("umoci") && onPath("skopeo") && Files.isExecutable(Path.of("/bin/busybox")),
        "umoci, skopeo and busybox-static are needed to build the test images");
    Path home = Path.of(System.getProperty("lamina.home", ".")).toAbsolutePath().normalize();
    Path scripts = home.resolve("scripts");
    var md = Digest.newSha256();
    md.update(Files.readAllBytes(scripts.resolve("make-test-images")));
    md.update(Files.readAllBytes(scripts.resolve("make-example-image")));
    String hash = HexFormat.of().formatHex(md.digest()).substring(0, 12);
    Path target = home.resolve("target/test-images-" + hash);
    if (!Files.isDirectory(target)) {
      Files.createDirectories(target.getParent());
      Path tmp = Files.createTempDirectory(target.getParent(), "test-images-build-");
      Path out = tmp.resolve("out");
      Process p = new ProcessBuilder(scripts.resolve("make-test-images").toString(), out.toString())
          .redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("scripts/make-test-images failed:\n" + log);
      }
      try {
        Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException
          | java.nio.file.DirectoryNotEmptyException e) {
        // another test run built it at the same time: use theirs
      }
      deleteTree(tmp);
    }
    dir = target;
    return dir;
  }

  /** A fixture path, e.g. {@code path("oci")}. */
  public static Path path(String name) throws IOException, InterruptedException {
    return dir().resolve(name);
  }

  static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Copies a fixture into a scratch dir so a test can corrupt it. */
  public static Path copy(String name, Path into) throws IOException, InterruptedException {
    Path src = path(name);
    Path dst = into.resolve(name);
    try (var s = Files.walk(src)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return dst;
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
