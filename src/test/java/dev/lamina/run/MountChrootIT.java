package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.testing.HostStateLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's "mount, then chroot yourself" as an unprivileged user: {@code lamina mount -o uidmapping=..
 * IMAGE MNT}, then {@code unshare -Ur chroot MNT /bin/sh}, then {@code fusermount3 -u}. /dev/fuse is set to 0666
 * for the test user and restored (see {@link FuseAccess}).
 */
@ExtendWith(HostStateLock.class)
class MountChrootIT {
  private static TestUser user;
  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    assumeTrue(TestUser.available(), "needs root (to create test users), useradd, runuser, unshare");
    assumeTrue(FuseAccess.available(), "needs /dev/fuse and fusermount3");
    assumeTrue(HostTools.which("umoci").isPresent(), "needs umoci");
    assumeTrue(BusyboxRootfs.available(), "needs busybox-static");
    user = TestUser.withRange("lamina-run-it");
    dir = Files.createTempDirectory(Path.of("/tmp"), "run-mount-it-");
    dir.toFile().setReadable(true, false);
    dir.toFile().setExecutable(true, false);
    TestUser.Result r = TestUser.exec(
        List.of(Launcher.home().resolve("scripts/make-run-test-image").toString(), dir.resolve("img").toString()), 120);
    assertThat(r.code()).as(r.err()).isZero();
    Files.createDirectories(dir.resolve("store"));
    Files.createDirectories(dir.resolve("mnt"));
    TestUser.exec(List.of("chown", user.uid() + ":" + user.gid(), dir.resolve("store").toString(),
        dir.resolve("mnt").toString()), 10);
  }

  @AfterAll
  static void tearDown() throws Exception {
    FuseAccess.restore();
    if (dir != null) {
      TestUser.exec(List.of("fusermount3", "-u", "-z", dir.resolve("mnt").toString()), 10);
      TestUser.exec(List.of("rm", "-rf", "--one-file-system", dir.toString()), 120);
    }
  }

  @Test
  void mountThenUnshareChroot_asInTheReadme() throws Exception {
    FuseAccess.open();
    String script = String.join("\n",
        "set -e",
        "u=$(id -u) g=$(id -g)",
        "'" + Launcher.path(user) + "' mount --name chroot -o uidmapping=0:$u:1:$u:$u:1,gidmapping=0:$g:1:$g:$g:1 "
            + dir.resolve("img") + " " + dir.resolve("mnt") + " 2>/dev/null",
        "unshare -Ur chroot " + dir.resolve("mnt") + " /bin/sh -c "
            + "'id -u; stat -c \"%u:%g %n\" / /bin/sh /bin/busybox; mkdir /made; echo hi > /made/f; cat /made/f'",
        "fusermount3 -u " + dir.resolve("mnt"));
    TestUser.Result r = user.run(List.of("sh", "-c", script), null, 180,
        // the user's shared daemon serves the mount and exits 1 s after the unmount
        Map.of("LAMINA_ROOT", dir.resolve("store").toString(), "LAMINA_DAEMON_IDLE", "1"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).isEqualTo("0\n0:0 /\n0:0 /bin/sh\n0:0 /bin/busybox\nhi\n");
    assertThat(Files.readString(dir.resolve("store/containers/chroot/upper/made/f"))).isEqualTo("hi\n");
    assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(dir.toString());
    assertThat(user.leftoverProcessesAfter(20)).as("the mount daemon ends after its unmount").isEmpty();
  }
}
