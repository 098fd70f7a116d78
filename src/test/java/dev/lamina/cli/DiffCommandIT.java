package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code lamina diff NAME} after a real container run: the example image is loaded into a fresh store under /tmp,
 * {@code lamina run --name} changes files through the FUSE overlay (modify, delete, replace a directory, add), and
 * the diff must list exactly those changes. Needs root and /dev/fuse (CI has both).
 */
class DiffCommandIT {
  static final Path HOME = Path.of(System.getProperty("lamina.home", "."));
  private Path root;

  @BeforeEach
  void store() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse");
    assumeTrue("root".equals(System.getProperty("user.name")), "lamina run as root only in this test");
    root = Files.createTempDirectory(Path.of("/tmp"), "explore-diff-it-");
    Result load = lamina("load", "--root", root.toString(), "oci:" + HOME.resolve("src/example/busybox-layers")
        .toAbsolutePath() + ":latest");
    assertThat(load.code).as(load.out).isZero();
  }

  @AfterEach
  void cleanup() throws Exception {
    if (root != null) {
      lamina("rm", "--root", root.toString(), "c1");
      try (Stream<Path> s = Files.walk(root)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void listsWhatTheContainerChanged() throws Exception {
    String image = lamina("images", "--root", root.toString(), "-q").out.strip().lines().findFirst().orElseThrow();
    Result run = lamina("run", "--root", root.toString(), "--name", "c1", image, "--", "sh", "-c",
        "echo extra >> /etc/motd; rm /etc/passwd; mkdir -p /srv/new; echo hi > /srv/new/f;"
            + " rm -rf /opt/app/data; mkdir /opt/app/data; echo z > /opt/app/data/z; chmod 600 /etc/group");
    assertThat(run.code).as(run.out).isZero();

    Result diff = lamina("diff", "--root", root.toString(), "c1");

    assertThat(diff.code).as(diff.out).isZero();
    assertThat(diff.out.lines()).contains(
        "C /etc",
        "C /etc/group",
        "C /etc/motd",
        "D /etc/passwd",
        "C /opt/app/data",
        "D /opt/app/data/new.txt",
        "D /opt/app/data/version",
        "A /opt/app/data/z",
        "A /srv",
        "A /srv/new",
        "A /srv/new/f");
    assertThat(diff.out).doesNotContain("/bin/busybox").doesNotContain("/etc/issue");
    assertThat(lamina("diff", "--root", root.toString(), "nope").out).contains("no container named nope");
  }

  record Result(int code, String out) {}

  private static Result lamina(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(HOME.resolve("scripts/lamina").toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(cmd + " did not finish in 120 s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
