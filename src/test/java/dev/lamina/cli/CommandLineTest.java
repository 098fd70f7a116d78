package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.cli.InProcessCli.Result;
import dev.lamina.image.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line itself: global options, --help and --version texts, error messages, mount's --platform. */
class CommandLineTest {
  @TempDir Path tmp;

  static Result lamina(String... args) {
    return InProcessCli.run(args);
  }

  @Test
  void mountTakesAPlatform_andNamesAMissingOne() throws Exception {
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    Result r = lamina("mount", "--root", tmp.resolve("store").toString(), "--platform", "linux/s390x",
        "oci:" + TestImages.path("multi") + ":latest", mnt.toString());
    assertThat(r.code()).as(r.err()).isNotZero();
    assertThat(r.err()).doesNotContain("Unknown option")
        .contains("no image for platform linux/s390x", "platforms present: linux/amd64, linux/arm64/v8");
    assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(mnt.toString());
  }

  static final String EXAMPLE = "oci:src/example/busybox-layers:latest";

  /** podman and docker users type global options first: lamina --root DIR images. */
  @Test
  void storeOption_beforeTheSubcommand() {
    String store = tmp.resolve("store").toString();
    Result load = lamina("load", "-q", "--root", store, EXAMPLE, "-t", "ex");
    assertThat(load.code()).as(load.err()).isZero();
    Result images = lamina("--root", store, "images");
    assertThat(images.code()).as(images.err()).isZero();
    assertThat(images.out()).contains("ex", "latest");
    Result other = lamina("--root", tmp.resolve("other").toString(), "images", "--root", store, "-q");
    assertThat(other.out().trim()).as("the subcommand's own --root wins").isNotEmpty();
  }

  @Test
  void logLevel_beforeOrAfterTheSubcommand() {
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CommandLineTest.class);
    try {
      Result r = lamina("--log-level", "debug", "images", "--root", tmp.resolve("s").toString(), "-q");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(log.isDebugEnabled()).isTrue();
      lamina("images", "--log-level", "error", "--root", tmp.resolve("s").toString(), "-q");
      assertThat(log.isWarnEnabled()).isFalse();
      Result bad = lamina("--log-level", "loud", "images");
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.err()).contains("'--log-level'", "'loud'", "debug");
    } finally {
      lamina("--log-level", "warn", "images", "--root", tmp.resolve("s").toString(), "-q");
    }
  }

  @Test
  void version_namesTheProjectVersionAndCommit() {
    Result r = lamina("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out().trim()).matches("lamina \\d+\\.\\d+\\.\\d+\\S* \\(commit ([0-9a-f]{7,}\\S*|unknown)\\)");
  }

  /** Every command answers --help; no description is cut mid-sentence; every argument is described. */
  @Test
  void help_isWholeForEveryCommand() {
    picocli.CommandLine top = Main.commandLine();
    for (var e : top.getSubcommands().entrySet()) {
      var spec = e.getValue().getCommandSpec();
      if (spec.usageMessage().hidden() || e.getKey().equals("help")) {
        continue;
      }
      Result r = lamina(e.getKey(), "--help");
      assertThat(r.code()).as(e.getKey() + " --help: " + r.err()).isZero();
      assertThat(r.out()).as(e.getKey()).startsWith("Usage: lamina " + e.getKey());
      for (String para : spec.usageMessage().description()) {
        assertThat(para).as(e.getKey() + " description").matches("(?s).*[.!?:]");
      }
      for (var p : spec.positionalParameters()) {
        assertThat(String.join("", p.description())).as(e.getKey() + " " + p.paramLabel()).isNotBlank();
      }
    }
  }

  @Test
  void errors_carryOnePrefix() throws Exception {
    Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
    Result r = lamina("run", "--rm", rootfs.toString(), "--", "true");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("lamina: --name and --rm need an image").doesNotContain("lamina run:");
  }

  @Test
  void completionAndManPages_areGeneratedFromTheCommandLine() throws Exception {
    Path bash = tmp.resolve("lamina.bash");
    Path man = tmp.resolve("man1");
    Result r = lamina("generate-docs", "--bash", bash.toString(), "--man", man.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.readString(bash)).contains("complete -F", "lamina", "--platform", "--log-level");
    assertThat(man.resolve("lamina.1")).exists();
    String run = Files.readString(man.resolve("lamina-run.1"));
    assertThat(run).startsWith(".TH \"LAMINA-RUN\" 1").contains(".SH SYNOPSIS", ".SH OPTIONS", "\\fB\\-u\\fR, \\fB\\-\\-user\\fR");
    assertThat(man.resolve("lamina-mount.1")).exists();
    assertThat(man.resolve("lamina-generate-docs.1")).doesNotExist();
  }

  /** A full filesystem: the message names the operation and the file, not just "No space left on device". */
  @Test
  void noSpaceLeft_namesThePathAndTheOperation() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        dev.lamina.sys.HostFs.get().geteuid() == 0, "needs root to mount a small tmpfs");
    Path small = Files.createDirectory(tmp.resolve("small"));
    Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=200k", "lamina-enospc", small.toString())
        .inheritIO().start();
    org.junit.jupiter.api.Assumptions.assumeTrue(m.waitFor() == 0, "cannot mount a tmpfs on " + small);
    try {
      Result r = lamina("load", "-q", "--root", small.resolve("store").toString(), EXAMPLE);
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).containsPattern("lamina: write " + small + "/store/\\S+: No space left on device")
          .contains("--root");
    } finally {
      new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
    }
  }
}
