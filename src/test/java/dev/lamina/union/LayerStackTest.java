package dev.lamina.union;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening the stack: work dir checks and crash leftovers. */
class LayerStackTest {
  @TempDir Path tmp;

  @Test
  void open_removesLeftoversOfACrashedMount() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    Path leftover = Files.createDirectories(fx.work.resolve("lamina/copyup-1-1/sub"));
    Files.writeString(leftover.resolve("partial"), "half a file");
    try (OverlayFs u = fx.mount(WhiteoutFormat.FILE)) {
      try (var s = Files.list(fx.work.resolve("lamina"))) {
        assertThat(s).isEmpty();
      }
    }
  }

  @Test
  void open_workDirOnAnotherFilesystem_isEXDEV() throws Exception {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && !Files.getFileStore(shm).equals(Files.getFileStore(tmp)),
        "needs /dev/shm on another filesystem than the temp dir");
    Fixture fx = new Fixture(tmp, 1);
    Path work = Files.createTempDirectory(shm, "core-work");
    try {
      assertThatThrownBy(() -> new OverlayFs(fx.config().workDir(work).build()))
          .isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.EXDEV);
            assertThat(e.getMessage()).contains("workdir", work.toString());
          });
    } finally {
      Files.deleteIfExists(work);
    }
  }

  @Test
  void open_missingLowerDir_namesIt() {
    Path missing = tmp.resolve("nope");
    assertThatThrownBy(() -> new OverlayFs(OverlayConfig.builder().lowerDir(missing).build()))
        .isInstanceOfSatisfying(ErrnoException.class, e -> {
          assertThat(e.errno()).isEqualTo(Errno.ENOENT);
          assertThat(e.getMessage()).contains("lowerdir", missing.toString());
        });
  }

  @Test
  void config_needsWorkDirWithUpper() {
    assertThatThrownBy(() -> OverlayConfig.builder().upperDir(tmp).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workdir");
    assertThatThrownBy(() -> OverlayConfig.builder().build()).isInstanceOf(IllegalArgumentException.class);
  }
}
