package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@code lamina explore} as a person would: in a detached tmux session of 80x24, keys sent with
 * {@code send-keys}, the screen read with {@code capture-pane -p}. Runs the shaded jar through scripts/lamina on the
 * committed example image.
 */
class ExploreTmuxIT {
  static final Path HOME = Path.of(System.getProperty("lamina.home", "."));
  static final Duration WAIT = Duration.ofSeconds(60);

  private String session;
  /** A tmux server of this test's own (-S), not the user's default one that other tmux users share. */
  @TempDir Path tmuxDir;

  private List<String> tmux(String... args) {
    List<String> c = new ArrayList<>(List.of("tmux", "-S", tmuxDir.resolve("sock").toString()));
    c.addAll(List.of(args));
    return c;
  }

  @BeforeEach
  void start() throws Exception {
    assumeTrue(exec(List.of("tmux", "-V")).startsWith("tmux"), "tmux is not installed");
    session = "lamina-explore-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Path image = HOME.resolve("src/example/busybox-layers").toAbsolutePath();
    String cmd = "env LANG=C.UTF-8 TERM=xterm-256color " + HOME.resolve("scripts/lamina").toAbsolutePath()
        + " explore oci:" + image + ":latest; echo LAMINA-EXIT=$?; sleep 120";
    exec(tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", cmd));
  }

  @AfterEach
  void stop() throws Exception {
    if (session != null) {
      exec(tmux("kill-session", "-t", session));
    }
  }

  @Test
  void navigateFilterToggleAndQuit() throws Exception {
    String s = waitFor(t -> t.contains("Layers (3)") && t.contains("busybox"));
    assertThat(s).contains("Files: layer 0 only").contains("make-example-image").contains("Efficiency 99.99 %")
        .contains("Wasted 174 B").contains("q:quit");
    assertThat(s.lines().count()).isLessThanOrEqualTo(24);
    assertThat(s.lines().mapToInt(String::length).max().orElse(0)).isLessThanOrEqualTo(80);

    keys("Down");
    s = waitFor(t -> t.contains("Files: layer 1 only"));
    assertThat(s).contains("Layer 1 726569039786: make-example-image: modify /etc/motd, delete /etc/issue");
    assertThat(s).containsPattern("R +22 B .*issue").containsPattern("M +59 B .*motd")
        .containsPattern("A +6 B .*new.txt").contains("old (2 paths)").contains("Layer 1: 1A 2M 2R")
        .doesNotContain("busybox\n");

    keys("Down");
    s = waitFor(t -> t.contains("Files: layer 2 only"));
    assertThat(s).containsPattern("A +35 B .*hello").containsPattern("R +28 B .*www");

    keys("Tab", "a");
    s = waitFor(t -> t.contains("aggregated 0..2"));
    assertThat(s).contains("busybox").doesNotContain("── hello");
    keys("End"); // scroll to the last path of the merged view
    s = waitFor(t -> t.contains("── hello"));
    assertThat(s).containsPattern("A +35 B .*hello").containsPattern("R +28 B .*www").doesNotContain("├── bin/");

    keys("/", "m", "o", "t", "d", "Enter");
    s = waitFor(t -> t.contains("Filter: motd"));
    assertThat(s).contains("── motd").doesNotContain("├── bin/").doesNotContain("── hello");

    keys("Escape");
    waitFor(t -> !t.contains("Filter: motd"));
    keys("u");
    s = waitFor(t -> t.contains("changed only"));
    assertThat(s).contains("── hello").contains("── www").doesNotContain("── etc/").doesNotContain("── motd");

    keys("q");
    s = waitFor(t -> t.contains("LAMINA-EXIT="));
    assertThat(s).contains("LAMINA-EXIT=0").doesNotContain("Layers (3)");
  }

  @Test
  void ctrlCQuitsAndRestoresTheTerminal() throws Exception {
    waitFor(t -> t.contains("Layers (3)"));
    keys("C-c");
    String s = waitFor(t -> t.contains("LAMINA-EXIT="));
    assertThat(s).contains("LAMINA-EXIT=0").doesNotContain("Layers (3)");
  }

  private void keys(String... keys) throws Exception {
    for (String k : keys) {
      List<String> cmd = new ArrayList<>(tmux("send-keys", "-t", session, k));
      exec(cmd);
      // an Escape followed at once by a letter reads as Alt+letter: let each key arrive on its own
      Thread.sleep(150);
    }
  }

  private String waitFor(Predicate<String> ready) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    String screen = "";
    String previous = null;
    while (System.nanoTime() < end) {
      screen = exec(tmux("capture-pane", "-t", session, "-p"));
      // a capture may catch a redraw halfway: accept a screen only once it is the same twice in a row
      if (ready.test(screen) && screen.equals(previous)) {
        return screen;
      }
      previous = screen;
      Thread.sleep(150);
    }
    throw new AssertionError("the screen did not reach the expected state in " + WAIT + "; it shows:\n" + screen);
  }

  private static String exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(cmd + " did not finish");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

}
