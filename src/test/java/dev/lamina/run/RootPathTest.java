package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fixture root:
 *
 * <pre>
 * etc/passwd
 * abs  -> /etc            (absolute: stays in the root)
 * up   -> ../../../etc    (climbs: stops at the root)
 * loop -> loop
 * </pre>
 */
class RootPathTest {
  @TempDir Path root;

  @Test
  void resolve_symlinksStayInsideTheRoot() throws Exception {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "x");
    Files.createSymbolicLink(root.resolve("abs"), Path.of("/etc"));
    Files.createSymbolicLink(root.resolve("up"), Path.of("../../../etc"));
    assertThat(RootPath.resolve(root, "/abs/passwd")).isEqualTo(root.resolve("etc/passwd"));
    assertThat(RootPath.resolve(root, "/up/passwd")).isEqualTo(root.resolve("etc/passwd"));
    assertThat(RootPath.resolve(root, "/../../etc/./passwd")).isEqualTo(root.resolve("etc/passwd"));
    assertThat(RootPath.resolve(root, "/missing/dir")).isEqualTo(root.resolve("missing/dir"));
    assertThat(RootPath.resolve(root, "/")).isEqualTo(root);
  }

  @Test
  void resolve_loop_isAnError() throws Exception {
    Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RootPath.resolve(root, "/loop/x"))
        .isInstanceOf(RunException.class)
        .hasMessageContaining("too many symbolic links");
  }
}
