package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/install into a temp prefix: lamina on PATH works, completion and man pages are there; --uninstall removes all. */
class InstallIT {
  @TempDir Path tmp;

  private static Path home() {
    return Path.of(System.getProperty("lamina.home", ".")).toAbsolutePath().normalize();
  }

  private record Result(int code, String out) {}

  private Result sh(List<String> cmd, Map<String, String> env) throws Exception {
    Path out = tmp.resolve("out.txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as(cmd + " within 5 minutes").isTrue();
    return new Result(p.exitValue(), Files.readString(out));
  }

  @Test
  void installIntoAPrefix_thenUninstall() throws Exception {
    Path prefix = tmp.resolve("prefix");
    String install = home().resolve("scripts/install").toString();
    Result r = sh(List.of(install, "--prefix", prefix.toString()), Map.of());
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(prefix.resolve("bin/lamina")).isSymbolicLink().isExecutable();
    assertThat(prefix.resolve("sbin/mount.fuse.lamina")).isSymbolicLink().isExecutable();
    assertThat(prefix.resolve("sbin/umount.fuse.lamina")).isSymbolicLink().isExecutable();
    assertThat(Files.readString(prefix.resolve("share/bash-completion/completions/lamina"))).contains("complete -F");
    assertThat(Files.readString(prefix.resolve("share/zsh/site-functions/_lamina"))).startsWith("#compdef lamina");
    assertThat(prefix.resolve("share/man/man1/lamina.1")).exists();
    assertThat(prefix.resolve("share/man/man1/lamina-run.1")).exists();
    assertThat(prefix.resolve("share/man/man1/lamina-mount.1")).exists();

    // a README example with lamina on PATH, from another directory
    Map<String, String> env = Map.of("PATH", prefix.resolve("bin") + ":" + System.getenv("PATH"));
    Result v = sh(List.of("sh", "-c", "cd / && lamina --version"), env);
    assertThat(v.out()).as(v.out()).startsWith("lamina ").contains("(commit ");
    Result load = sh(List.of("sh", "-c", "lamina --root " + tmp.resolve("store") + " load -q oci:"
        + home().resolve("src/example/busybox-layers") + ":latest -t example && lamina --root "
        + tmp.resolve("store") + " images"), env);
    assertThat(load.code()).as(load.out()).isZero();
    assertThat(load.out()).contains("example");

    Result un = sh(List.of(install, "--uninstall", "--prefix", prefix.toString()), Map.of());
    assertThat(un.code()).as(un.out()).isZero();
    try (Stream<Path> left = Files.walk(prefix)) {
      assertThat(left.filter(p -> !p.equals(prefix)).toList()).as("left after --uninstall").isEmpty();
    }
  }
}
