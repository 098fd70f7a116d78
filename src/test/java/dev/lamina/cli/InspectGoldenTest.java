package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code lamina inspect} of the committed example image, byte for byte against a golden file (docker's layout:
 * 4-space indent, field order, {@code null} and {@code []}); regenerate with {@code -Dgolden.update=true}
 * (needed after src/example/busybox-layers is rebuilt).
 */
class InspectGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/dev/lamina/cli/example-inspect.json");

  @Test
  void exampleImageMatchesTheGoldenFile() throws Exception {
    InProcessCli.Result r =
        InspectCommandTest.lamina("inspect", "--root", "/nonexistent-lamina-store", "src/example/busybox-layers");
    assertThat(r.code()).as(r.err()).isZero();
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(GOLDEN, r.out(), StandardCharsets.UTF_8);
    }
    assertThat(r.out()).isEqualTo(Files.readString(GOLDEN, StandardCharsets.UTF_8));
  }
}
