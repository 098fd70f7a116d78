package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * lamina's output is UTF-8 under the C/POSIX locale too (a child JVM started with LC_ALL=C, where Java 17 would
 * write ASCII and print the layer tree's box-drawing characters as '?').
 */
class OutputEncodingTest {
  @Test
  void layerTreeIsUtf8_underThePosixLocale() throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "layers", "src/example/busybox-layers", "--layer", "1", "--tree"));
    pb.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG") || k.equals("LANGUAGE"));
    pb.environment().put("LC_ALL", "C");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    assertThat(text).contains("\u251c\u2500\u2500 etc").contains("\u2514\u2500\u2500 motd").doesNotContain("???");
  }
}
