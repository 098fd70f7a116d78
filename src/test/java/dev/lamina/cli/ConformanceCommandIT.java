package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lamina.conformance.FsDriver;
import dev.lamina.conformance.KernelOverlay;
import dev.lamina.conformance.Shell;
import dev.lamina.difftest.TestUser;
import dev.lamina.testing.DevFuseOpen;
import dev.lamina.testing.HostStateLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lamina conformance} end to end: real kernel overlayfs against real lamina mounts, as root and as an
 * ordinary user (rootless mode), with built-in and user-written scenarios.
 */
@ExtendWith(HostStateLock.class)
class ConformanceCommandIT {

  @TempDir Path tmp;

  private static void assumeRootKernelAndFuse() {
    String why = new KernelOverlay().unavailableReason();
    assumeTrue(why == null, () -> "needs kernel overlayfs as root: " + why);
    assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
    assumeTrue(Shell.onPath("fusermount3"), "needs fusermount3 (fuse3)");
    assumeTrue(Shell.onPath("python3"), "needs python3");
  }

  @Test
  @Timeout(600)
  void builtInScenariosOnLaminaMatchTheKernelAsRoot() throws Exception {
    assumeRootKernelAndFuse();
    Path json = tmp.resolve("report.json");
    InProcessCli.Result r = InProcessCli.run("conformance", "--target", "lamina", "--scenario",
        "create_file,rename_lower_file,unlink_while_open_lower,rmdir_mkdir_opaque", "--json", json.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("mode root:").contains("summary (4 scenarios, reference kernel): lamina 4 same,"
        + " 0 differ, 0 failed").containsPattern("(?m)^rename_lower_file +same *$");
    assertThat(r.err()).contains("[4/4] ");
    JsonNode report = FsDriver.JSON.readTree(json.toFile());
    assertThat(report.get("scenarios")).hasSize(4);
    assertThat(report.get("scenarios").get(0).get("targets").get("lamina").get("status").asText()).isEqualTo("same");
  }

  @Test
  @Timeout(600)
  void aTargetThatBehavesDifferentlyIsReportedWithTheStepAndTheErrno() throws Exception {
    assumeRootKernelAndFuse();
    // the kernel itself with redirect_dir=on: renaming a merged directory works instead of giving EXDEV
    String redirecting = "redirect=mount -t overlay overlay -o {opts},redirect_dir=on,index=off,metacopy=off,"
        + "xino=off {mnt}";
    InProcessCli.Result r = InProcessCli.run("conformance", "--target", "lamina", "--target", redirecting,
        "--scenario",
        "rename_lower_dir_exdev,create_file");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out()).containsPattern("(?m)^rename_lower_dir_exdev +same +differs *$")
        .containsPattern("(?m)^create_file +same +same *$")
        .contains("step #1 rename(dlow, dlow2) result: kernel error EXDEV, redirect ok");
  }

  @Test
  @Timeout(600)
  void aUsersScenarioFileWithItsOwnLayers() throws Exception {
    assumeRootKernelAndFuse();
    Path file = tmp.resolve("mine.scenarios");
    Files.writeString(file, """
        # two layers of my own
        layer base
          mkdir etc
          create etc/passwd "root:x:0:0\\n" 0644
          create etc/old old
          mkdir var
          create var/a a
          chown var/a 100 100
          setxattr var/a user.k v
        layer app
          mkdir etc
          whiteout etc/old
          mkdir var
          opaque var
          create var/b b
        scenario my_view: the whiteout and the opaque dir of my layers
          lstat etc/old => ENOENT
          listdir var
          lstat var/a => ENOENT
        scenario my_wrong_claim: a claim the kernel does not keep
          unlink etc/passwd => ENOENT
        """);
    InProcessCli.Result r = InProcessCli.run("conformance", "--no-builtin", "--scenarios", file.toString(),
        "--target", "lamina");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out()).containsPattern("(?m)^my_view +same *$")
        .contains("my_wrong_claim: on kernel, steps do not give what the scenario claims")
        .contains("#1 unlink(etc/passwd): scenario expects ENOENT, kernel gave ok");
  }

  @Test
  void aBadScenarioFileIsRefusedWithItsLineAndNothingRuns() throws Exception {
    Path file = tmp.resolve("bad.scenarios");
    Files.writeString(file, "scenario x: y\n  create a b\n  renam a c\n");
    InProcessCli.Result r = InProcessCli.run("conformance", "--scenarios", file.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(file + ":3").contains("unknown operation 'renam'");
    assertThat(r.out()).doesNotContain("SCENARIO");
  }

  @Test
  void listShowsTheBuiltInScenarios() {
    InProcessCli.Result r = InProcessCli.run("conformance", "--list");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("rename_exchange ").containsPattern("(?m)^\\d+ scenarios$");
  }

  @Test
  @Timeout(900)
  void rootlessAsAnOrdinaryUserAgainstLaminasRootlessMode() throws Exception {
    TestUser.assumeUsable("unshare"); // the run itself is as that user
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "conformance-rootless-");
    try (TestUser user = TestUser.ensure(); DevFuseOpen open = DevFuseOpen.toEveryone()) {
      Path launcher = user.installLauncher(dir.resolve("home"));
      user.own(dir);
      List<String> cmd = Shell.concat(user.prefix(), "env", "TMPDIR=" + dir, launcher.toString(), "conformance",
          "--target", "lamina", "--scenario", "create_file,chmod_lower,xattr_merged_dir,fixture_view",
          "--json", dir.resolve("r.json").toString());
      Shell.Result r = Shell.run(Duration.ofSeconds(800), null, cmd);
      assumeTrue(!r.err().contains("kernel overlayfs mount in a user namespace failed"),
          () -> "this kernel cannot mount overlayfs in a user namespace: " + r.err());
      assertThat(r.exit()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("mode rootless:").contains("userxattr")
          .contains("lamina 4 same, 0 differ, 0 failed");
    } finally {
      Shell.run("rm", "-rf", dir.toString());
    }
  }
}
