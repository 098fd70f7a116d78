package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code mount -o remount,ro} on a lamina mount, as mount(8) does it through the mount helper (mount.fuse3
 * runs {@code lamina SOURCE MNT -o remount,ro,...} with the mount's options again): the existing mount turns
 * read-only and back, instead of a refusal because MNT is already mounted (xfstests generic/294, 306).
 */
class RemountIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @RegisterExtension final FuseFixture fx = new FuseFixture();

  private Cli.Result helper(String extra) throws Exception {
    String layers = "lowerdir=" + fx.lower() + ",upperdir=" + fx.upper() + ",workdir=" + fx.work();
    return Cli.run(List.of(Cli.launcher().toString(), "lamina-remount-test", fx.mnt().toString(), "-o",
        "rw," + extra + layers + ",dev,suid"), TIMEOUT);
  }

  @Test
  void remountReadOnly_refusesWrites_andRemountReadWrite_allowsThemAgain() throws Exception {
    assumeTrue(FuseMount.isRoot(), "remounting needs root (mount(2) with MS_REMOUNT): not run as a user");
    Files.writeString(fx.lower().resolve("f"), "lower");
    fx.track(fx.mnt());
    Cli.Result m = helper("");
    assertThat(m.exit()).as(m.toString()).isZero();
    Path f = fx.mnt().resolve("f");

    Cli.Result ro = helper("remount,ro,");
    assertThat(ro.exit()).as(ro.toString()).isZero();
    assertThatThrownBy(() -> Files.writeString(fx.mnt().resolve("new"), "x"))
        .isInstanceOf(FileSystemException.class).hasMessageContaining("Read-only file system");
    assertThatThrownBy(() -> Files.writeString(f, "changed")).isInstanceOf(FileSystemException.class);
    assertThat(Files.readString(f)).isEqualTo("lower");

    Cli.Result rw = helper("remount,");
    assertThat(rw.exit()).as(rw.toString()).isZero();
    Files.writeString(fx.mnt().resolve("new"), "x");
    assertThat(Files.readString(fx.mnt().resolve("new"))).isEqualTo("x");
  }

  @Test
  void remountOfADirectoryWithNothingMounted_failsWithTheReason() throws Exception {
    Cli.Result r = helper("remount,ro,");
    assertThat(r.exit()).as(r.toString()).isNotZero();
    assertThat(r.toString()).contains("nothing is mounted there");
  }
}
