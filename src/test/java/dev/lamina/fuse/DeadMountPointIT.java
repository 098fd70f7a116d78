package dev.lamina.fuse;

import dev.lamina.testing.Launcher;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.testing.HostStateLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount on a dead FUSE mount (its daemon was killed: every request on it, stat too, answers ENOTCONN): the
 * message says so and how to unmount it, not that the mount point "does not exist" (as before 2026-12-07).
 */
@ExtendWith(HostStateLock.class)
class DeadMountPointIT {
  @TempDir Path tmp;
  private Path mnt;

  @AfterEach
  void unmount() throws Exception {
    if (mnt != null) {
      new ProcessBuilder("fusermount3", "-u", "-z", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void mountingOnADeadFuseMount_saysItIsOne_andHowToUnmountIt() throws Exception {
    Launcher.assumeCanMount();
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    Files.writeString(lower.resolve("f"), "f\n");
    Path m = Files.createDirectories(tmp.resolve("mnt"));
    // a JVM of the mount's own, killed: no daemon that would clear the dead mount meanwhile
    Cli.Result r = Cli.run(List.of(Cli.launcher().toString(), "mount", "-o", "lowerdir=" + lower, m.toString()),
        Duration.ofSeconds(60), Cli.privateDaemon());
    assertThat(r.exit()).as(r.toString()).isZero();
    mnt = m;
    long pid = Cli.daemonPid(m).orElseThrow();
    ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
    h.destroyForcibly();
    h.onExit().get(60, TimeUnit.SECONDS);
    assertThat(MountTable.isDead(m)).as("stat of the mount point answers ENOTCONN").isTrue();

    r = Cli.run(List.of(Cli.launcher().toString(), "mount", "-o", "lowerdir=" + lower, m.toString()),
        Duration.ofSeconds(60), Cli.privateDaemon());
    assertThat(r.exit()).as(r.toString()).isNotZero();
    assertThat(r.err()).as(r.toString())
        .contains(m + " is a FUSE mount (fuse.lamina", "whose daemon is gone", "ENOTCONN",
            "fusermount3 -u " + m, "umount -l " + m)
        .doesNotContain("does not exist");
  }
}
