package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.cli.InProcessCli.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code lamina layers} on the committed example image (scripts/make-example-image: a busybox rootfs, then a layer
 * with a modified file, a whiteout and an opaque directory, then a layer deleting a whole directory), compared with
 * golden files in src/test/resources/dev/lamina/cli/golden. Regenerate with {@code -Dgolden.update=true}.
 */
class LayersCommandGoldenTest {
  static final String IMAGE = "oci:src/example/busybox-layers:latest";
  static final Path GOLDEN = Path.of("src/test/resources/dev/lamina/cli/golden");

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("layers-table.txt", 0, new String[] {}),
        Arguments.of("layers-table-dive.txt", 0, new String[] {"--dive-compat"}),
        Arguments.of("layers-layer1.txt", 0, new String[] {"--layer", "1"}),
        Arguments.of("layers-layer1-tree-all.txt", 0, new String[] {"--layer", "1", "--tree", "--all"}),
        Arguments.of("layers-layer2-sizes.txt", 0, new String[] {"--layer", "2", "--sort", "size"}),
        Arguments.of("layers-layer2-aggregate.txt", 0, new String[] {"--layer", "2", "--aggregate", "--tree"}),
        Arguments.of("layers-json.json", 0, new String[] {"--json"}),
        Arguments.of("layers-json-dive.json", 0, new String[] {"--json", "--dive-compat"}),
        Arguments.of("layers-ci-pass.txt", 0, new String[] {"--ci", "--lowestEfficiency", "0.95",
            "--highest-wasted-bytes", "1KB", "--highest_user_wasted_percent", "disabled"}),
        Arguments.of("layers-ci-fail.txt", 1, new String[] {"--ci", "--highestWastedBytes", "100",
            "--lowest-efficiency", "0.99995"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesGolden(String golden, int exitCode, String[] args) throws Exception {
    // picocli prints through the default charset: under an ASCII locale the tree's lines come out as '?'
    assumeTrue(java.nio.charset.Charset.defaultCharset().equals(StandardCharsets.UTF_8),
        "needs a UTF-8 locale (the JVM's default charset is " + java.nio.charset.Charset.defaultCharset()
            + "; pom.xml sets LC_ALL=C.UTF-8)");
    String[] argv = Stream.concat(Stream.of("layers", IMAGE), Stream.of(args)).toArray(String[]::new);
    Result r = run(argv);
    assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(exitCode);
    Path file = GOLDEN.resolve(golden);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, r.out());
    }
    assertThat(r.out()).isEqualTo(Files.readString(file));
  }

  /** A broken .dive-ci fails the gate as a usage error (exit 2) naming the file, line and key (issue 11). */
  @org.junit.jupiter.api.Test
  void brokenCiConfig_exitsTwoNamingFileLineAndKey(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path cfg = tmp.resolve(".dive-ci");
    Files.writeString(cfg, "rules:\n  lowestEfficiency: 0.5\n  highestWastedByte: 20MB\n");
    Result r = run("layers", IMAGE, "--ci", "--ci-config", cfg.toString());
    assertThat(r.code()).as("stderr: %s", r.err()).isEqualTo(2);
    assertThat(r.err()).contains(cfg + " line 3: unknown rule 'highestWastedByte'");
    assertThat(r.out()).doesNotContain("Result:");
  }

  static Result run(String... argv) {
    return InProcessCli.run(argv);
  }
}
