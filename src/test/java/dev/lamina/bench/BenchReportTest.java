package dev.lamina.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of the benchmark harness' arithmetic: scripts/bench-report on hand-written raw results must
 * give the right medians, ratios, growth factors and notes, and valid JSON. (The benchmark itself needs root
 * and minutes; it is not part of the tests.)
 */
class BenchReportTest {
  @TempDir Path dir;

  private static final String RESULTS =
      String.join(
          "\n",
          // case, impl, round, seconds, mount_s, rss_kib, check, status
          "walk\tkernel\t0\t1.0\t0.01\t0\tabc\tok",
          "walk\tfuse-overlayfs\t0\t3.0\t0.02\t6000\tabc\tok",
          "walk\tlamina\t0\t2.0\t0.50\t100000\tabc\tok",
          "walk\tkernel\t1\t1.2\t0.01\t0\tabc\tok",
          "walk\tfuse-overlayfs\t1\t5.0\t0.02\t6000\tabc\tok",
          "walk\tlamina\t1\t4.0\t0.70\t120000\tabc\tok",
          "walk\tkernel\t2\t0.8\t0.01\t0\tabc\tok",
          "walk\tfuse-overlayfs\t2\t4.0\t0.02\t6000\tabc\tok",
          "walk\tlamina\t2\t3.0\t0.60\t110000\tabc\tok",
          "delete\tkernel\t0\t1.0\t0.01\t0\tx\tok",
          "delete\tfuse-overlayfs\t0\t2.0\t0.01\t5000\tx\tok",
          "delete\tlamina\t0\tnan\tnan\t0\t-\tmount-failed",
          "lookup-1\tkernel\t0\t0.5\t0.01\t0\t3200\tok",
          "lookup-1\tlamina\t0\t1.0\t0.5\t90000\t3200\tok",
          "lookup-128\tkernel\t0\t5.0\t0.01\t0\t3200\tok",
          "lookup-128\tlamina\t0\t1.2\t0.5\t300000\t3199\tok",
          "");

  @Test
  void mediansRatiosGrowthAndJson() throws Exception {
    Path results = Files.writeString(dir.resolve("results.tsv"), RESULTS);
    Path extras =
        Files.writeString(dir.resolve("extras.tsv"), "date\t2026-01-01\nrounds\t3\njvm_start_s\t0.1\n");
    Path json = dir.resolve("bench.json");
    String table = run(results, extras, json);

    // medians 1.0 / 4.0 / 3.0; ratios are medians of the per-round ratios: lamina/fuse-overlayfs
    // 2/3, 4/5, 3/4 -> 0.75x; lamina/kernel 2/1, 4/1.2, 3/0.8 -> 3.33x; peak RSS is the largest of the runs
    assertThat(table).contains("| walk | 1.000 | 4.000 | 3.000 | 0.75x | 3.33x | 117 MiB |  |");
    assertThat(table).contains("| delete | 1.000 | 2.000 | - | - | - | - | lamina: 1 failed run(s) |");
    assertThat(table).contains("lamina output differs from kernel");
    assertThat(table).contains("| lookup-128 / lookup-1 | 10.00x | - | 1.20x |");
    assertThat(table).contains("| mount ready, median (s) | 0.010 | 0.020 | 0.500 |");

    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertThat(root.path("meta").path("rounds").asText()).isEqualTo("3");
    JsonNode walk = root.path("cases").get(0);
    assertThat(walk.path("case").asText()).isEqualTo("walk");
    assertThat(walk.path("median_s").path("lamina").asDouble()).isEqualTo(3.0);
    assertThat(walk.path("lamina_over_fuse_overlayfs").asDouble()).isEqualTo(0.75);
    assertThat(walk.path("median_over_median").path("kernel").asDouble()).isEqualTo(3.0);
    assertThat(walk.path("runs")).hasSize(9);
    assertThat(root.path("cases").get(1).path("median_s").path("lamina").isNull()).isTrue();
    assertThat(root.path("resources").path("lamina").path("peak_rss_kib_all").asLong()).isEqualTo(300000);
  }

  /**
   * scripts/bench --features: lamina and the kernel each with and without options, and fuse-overlayfs, in one
   * table; lamina+OPTS is paired with kernel+OPTS (its ratio and its check), lamina with kernel.
   */
  @Test
  void everyImplementationTable_pairsLaminaOptionsWithTheKernelsSameOptions() throws Exception {
    String mc = "metacopy=on+redirect_dir=on";
    Path results =
        Files.writeString(
            dir.resolve("results.tsv"),
            String.join(
                "\n",
                "chmodr\tlamina+" + mc + "\t0\t2.0\t0.5\t1000\ta\tok",
                "chmodr\tlamina\t0\t4.0\t0.5\t1000\tc\tok",
                "chmodr\tfuse-overlayfs\t0\t2.0\t0.01\t100\td\tok",
                "chmodr\tkernel+" + mc + "\t0\t1.0\t0.01\t0\tb\tok",
                "chmodr\tkernel\t0\t8.0\t0.01\t0\tc\tok",
                "chmodr\tlamina+" + mc + "\t1\t3.0\t0.5\t1000\ta\tok",
                "chmodr\tlamina\t1\t6.0\t0.5\t1000\tc\tok",
                "chmodr\tfuse-overlayfs\t1\t2.0\t0.01\t100\td\tok",
                "chmodr\tkernel+" + mc + "\t1\t1.0\t0.01\t0\tb\tok",
                "chmodr\tkernel\t1\t10.0\t0.01\t0\tc\tok",
                ""));
    Path extras = Files.writeString(dir.resolve("extras.tsv"), "date\t2026-01-01\nrounds\t2\n");
    String table = run(results, extras, dir.resolve("bench.json"));

    assertThat(table)
        .contains("| workload | lamina+" + mc + " | lamina | fuse-overlayfs | kernel+" + mc + " | kernel | lamina+" + mc
            + "/fuse-overlayfs | lamina+" + mc + "/kernel+" + mc + " | lamina/fuse-overlayfs | lamina/kernel | note |");
    // medians 2.5 / 5 / 2 / 1 / 9; per-round ratios: 2/2, 3/2 -> 1.25x; 2/1, 3/1 -> 2.50x; 4/2, 6/2 -> 2.50x;
    // 4/8, 6/10 -> 0.55x
    assertThat(table)
        .contains("| chmodr | 2.500 | 5.000 | 2.000 | 1.000 | 9.000 | 1.25x | 2.50x | 2.50x | 0.55x | lamina+" + mc
            + " differs from kernel+" + mc + "; fuse-overlayfs differs from kernel |");
  }

  private static String run(Path results, Path extras, Path json)
      throws IOException, InterruptedException {
    Path script = Path.of(System.getProperty("user.dir"), "scripts", "bench-report");
    Process p =
        new ProcessBuilder("bash", script.toString(), results.toString(), extras.toString(), json.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
