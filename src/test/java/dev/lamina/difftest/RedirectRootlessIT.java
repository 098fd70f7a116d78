package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.conformance.FsDriver;
import dev.lamina.conformance.FuseOverlay;
import dev.lamina.conformance.OverlayTarget;
import dev.lamina.conformance.Scenario;
import dev.lamina.conformance.Shell;
import dev.lamina.conformance.Step;
import dev.lamina.testing.DevFuseOpen;
import dev.lamina.testing.HostStateLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * redirect_dir=on without root: lamina mounted by an ordinary user moves lower directories, records
 * {@code user.overlay.redirect} (it cannot set trusted.*), and a later mount by the same user follows it.
 * Like {@link UnprivilegedMountIT} it opens /dev/fuse to the user (mode 0666) for its duration and restores
 * the previous mode.
 */
@ExtendWith(HostStateLock.class)
class RedirectRootlessIT {

  @Test
  @Timeout(300)
  void anOrdinaryUserMovesLowerDirs_withUserXattrRedirects() throws Exception {
    TestUser.assumeUsable("getfattr");
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "redirect-rootless-");
    try (TestUser user = TestUser.ensure(); DevFuseOpen open = DevFuseOpen.toEveryone()) {
      FuseOverlay lamina = FuseOverlay.lamina(user.installLauncher(dir.resolve("home")));
      Path lower = dir.resolve("lower");
      Files.createDirectories(lower);
      FsDriver.Result built = FsDriver.run(lower, Scenario.named("lower", "").op("mkdir", "d")
          .op("create", "d/a", "a").op("mkdir", "d/sub").op("create", "d/sub/x", "x").op("mkdir", "p")
          .build().steps(), false, null);
      built.steps().forEach(s -> assertThat(FsDriver.outcome(s)).isEqualTo("ok"));
      Path upper = dir.resolve("upper");
      Path work = dir.resolve("work");
      Path mnt = dir.resolve("mnt");
      for (Path p : List.of(upper, work, mnt)) {
        Files.createDirectories(p);
      }
      user.own(dir);

      List<Step> moves = Scenario.named("moves", "").op("rename", "d", "e").op("rename", "e/sub", "p/s")
          .op("listdir", "e").op("read", "p/s/x").op("lstat", "d").build().steps();
      FsDriver.Result r;
      try (OverlayTarget.Mounted m =
          lamina.mount(user.prefix(), List.of(lower), upper, work, mnt, "redirect_dir=on")) {
        r = FsDriver.run(user.prefix(), mnt, moves, false, null);
      }
      assertThat(FsDriver.outcome(r.steps().get(0))).as("rename of a lower dir").isEqualTo("ok");
      assertThat(FsDriver.outcome(r.steps().get(1))).as("move of a lower dir").isEqualTo("ok");
      assertThat(r.steps().get(2).get("ok").toString()).isEqualTo("[\"a\"]");
      assertThat(r.steps().get(3).get("ok").asText()).isEqualTo("x");
      assertThat(FsDriver.outcome(r.steps().get(4))).isEqualTo("ENOENT");
      assertThat(xattr(upper.resolve("e"), "user.overlay.redirect")).isEqualTo("d");
      assertThat(xattr(upper.resolve("p/s"), "user.overlay.redirect")).isEqualTo("/d/sub");

      // a new mount by the same user (redirect_dir=off: following only) sees the moved tree
      List<Step> again = Scenario.named("again", "").op("listdir", ".").op("listdir", "e")
          .op("listdir", "p/s").build().steps();
      FsDriver.Result r2;
      try (OverlayTarget.Mounted m = lamina.mount(user.prefix(), List.of(lower), upper, work, mnt)) {
        r2 = FsDriver.run(user.prefix(), mnt, again, false, null);
      }
      assertThat(r2.steps().get(0).get("ok").toString()).isEqualTo("[\"e\",\"p\"]");
      assertThat(r2.steps().get(1).get("ok").toString()).isEqualTo("[\"a\"]");
      assertThat(r2.steps().get(2).get("ok").toString()).isEqualTo("[\"x\"]");
    } finally {
      Shell.run("rm", "-rf", dir.toString());
    }
  }

  private static String xattr(Path p, String name) throws IOException {
    Shell.Result r = Shell.run("getfattr", "--absolute-names", "-n", name, "--only-values", p.toString());
    return r.ok() ? r.out() : null;
  }
}
