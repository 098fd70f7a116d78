package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.testing.DevFuseOpen;
import dev.lamina.testing.HostStateLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code lamina mount} as an ordinary user: libfuse 2 mounts through {@code fusermount} (here the
 * fuse3 package's link to fusermount3), and the overlay writes {@code .wh.} whiteout files.
 *
 * <p>Needs root to prepare: the test creates the user {@value #USER} if missing and, because /dev/fuse is
 * 0600 on this machine, sets it to 0666 for the duration of the test and restores its mode afterwards.
 */
@ExtendWith(HostStateLock.class)
class UnprivilegedMountIT {
  private static final String USER = "lamina-fuse-it";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Path DEV_FUSE = Path.of("/dev/fuse");

  @RegisterExtension final FuseFixture fx = new FuseFixture();

  @Test
  void ordinaryUserMountsWritesWhFilesAndUnmounts() throws Exception {
    assumeTrue(FuseMount.isRoot(), "preparing the user and /dev/fuse needs root");
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")), "runuser is missing");
    ensureUser();
    assumeUserCanRunLamina();
    Files.createDirectories(fx.lower().resolve("dir"));
    Files.writeString(fx.lower().resolve("dir/keep"), "k");
    Files.writeString(fx.lower().resolve("hello"), "from lower");
    Files.writeString(fx.lower().resolve("gone"), "x");
    Files.setPosixFilePermissions(fx.base(), PosixFilePermissions.fromString("rwxr-xr-x"));
    run(List.of("chown", "-R", USER + ":", fx.base().toString()));

    // the user's shared daemon, in a directory of the test's (the user creates it: base is theirs)
    Path daemonDir = fx.base().resolve("daemon");
    Map<String, String> shared = Cli.sharedDaemon(daemonDir);
    try (DevFuseOpen open = DevFuseOpen.toEveryone()) {
      Cli.Result r =
          asUser(shared,
              Cli.launcher().toString(), "mount", "-o",
              "lowerdir=" + fx.lower() + ",upperdir=" + fx.upper() + ",workdir=" + fx.work(),
              fx.mnt().toString());
      fx.track(fx.mnt());
      assertThat(r.exit()).as(r.toString()).isZero();
      assertThat(MountTable.find(fx.mnt()).orElseThrow().fstype()).isEqualTo("fuse.lamina");

      assertThat(asUser("cat", fx.mnt().resolve("hello").toString()).out()).isEqualTo("from lower");
      assertThat(asUser("rm", fx.mnt().resolve("gone").toString()).exit()).isZero();
      assertThat(asUser("rm", "-r", fx.mnt().resolve("dir").toString()).exit()).isZero();
      assertThat(asUser("mkdir", fx.mnt().resolve("dir").toString()).exit()).isZero();
      assertThat(asUser("sh", "-c", "echo new > " + fx.mnt().resolve("new")).exit()).isZero();

      // Rootless whiteouts: a .wh.NAME file, and an opaque dir marked by .wh..wh..opq.
      Path wh = fx.upper().resolve(".wh.gone");
      assertThat(Files.isRegularFile(wh, LinkOption.NOFOLLOW_LINKS)).isTrue();
      assertThat(Files.exists(fx.upper().resolve("dir/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS))
          .isTrue();
      assertThat(asUser("ls", "-a", fx.mnt().toString()).out().split("\n"))
          .contains("hello", "dir", "new")
          .doesNotContain("gone", ".wh.gone");
      assertThat(asUser("ls", "-a", fx.mnt().resolve("dir").toString()).out()).doesNotContain("keep");
      assertThat(Files.getAttribute(fx.upper().resolve("new"), "unix:uid"))
          .isEqualTo(Integer.parseInt(run(List.of("id", "-u", USER)).out().trim()));

      Cli.Result status = asUser(shared, Cli.launcher().toString(), "daemon", "status");
      assertThat(status.out()).as(status.toString()).contains(fx.mnt().toString());
      java.util.regex.Matcher pm = java.util.regex.Pattern.compile("(?m)^pid:\\s+(\\d+)").matcher(status.out());
      assertThat(pm.find()).isTrue();
      long pid = Long.parseLong(pm.group(1));
      assertThat(Files.getOwner(Path.of("/proc", Long.toString(pid))).getName()).as("the user's own daemon")
          .isEqualTo(USER);
      Cli.Result u = asUser("fusermount3", "-u", fx.mnt().toString());
      assertThat(u.exit()).as(u.toString()).isZero();
      assertThat(FuseFixture.isMounted(fx.mnt())).isFalse();
      Cli.awaitSharedDaemonExit(daemonDir, pid);
    }
  }

  /**
   * An ordinary user who cannot open /dev/fuse is told so by the client, and no daemon is started for them (one
   * was, before 2026-12-06: it could not mount either, answered with the same message and then sat idle). The
   * closed /dev/fuse is a root-owned 0600 file bound over it in a mount namespace of the test's own, so the
   * machine's /dev/fuse, which other runs may be using, keeps its mode.
   */
  @Test
  void ordinaryUserWithoutDevFuseIsToldWhyAndStartsNoDaemon() throws Exception {
    assumeTrue(FuseMount.isRoot(), "preparing the user and the mount namespace needs root");
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")), "runuser is missing");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "unshare is missing");
    ensureUser();
    assumeUserCanRunLamina();
    Files.setPosixFilePermissions(fx.base(), PosixFilePermissions.fromString("rwxr-xr-x"));
    run(List.of("chown", "-R", USER + ":", fx.base().toString()));
    Path closedFuse = Files.createFile(fx.base().resolve("closed-fuse"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Path daemonDir = fx.base().resolve("daemon");
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/unshare", "-m", "--propagation", "private", "sh", "-c",
        "mount --bind \"$0\" /dev/fuse && exec /usr/sbin/runuser -u " + USER + " -- \"$@\"",
        closedFuse.toString(), Cli.launcher().toString(), "mount", "-o",
        "lowerdir=" + fx.lower() + ",upperdir=" + fx.upper() + ",workdir=" + fx.work(), fx.mnt().toString()));
    Cli.Result r = Cli.run(cmd, TIMEOUT, Cli.sharedDaemon(daemonDir));
    assertThat(r.exit()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).as(r.toString()).contains("/dev/fuse is not readable and writable by you");
    assertThat(FuseFixture.isMounted(fx.mnt())).isFalse();
    assertThat(daemonDir.resolve("daemon.log")).as("a daemon was started").doesNotExist();
  }

  private static void assumeUserCanRunLamina() throws IOException, InterruptedException {
    Path jar = Cli.home().resolve("target/lamina.jar");
    assumeTrue(
        asUser("test", "-x", Cli.launcher().toString(), "-a", "-r", jar.toString()).exit() == 0,
        "the checkout (" + Cli.home() + ") is not readable by other users, so " + USER
            + " cannot run lamina from it");
  }

  private static void ensureUser() throws IOException, InterruptedException {
    if (run(List.of("id", "-u", USER)).exit() != 0) {
      Cli.Result r = run(List.of("useradd", "-M", "-s", "/bin/sh", USER));
      assertThat(r.exit()).as(r.toString()).isZero();
    }
  }

  private static Cli.Result asUser(String... cmd) throws IOException, InterruptedException {
    return asUser(Map.of(), cmd);
  }

  private static Cli.Result asUser(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of("/usr/sbin/runuser", "-u", USER, "--"));
    full.addAll(List.of(cmd));
    return Cli.run(full, TIMEOUT, env);
  }

  private static Cli.Result run(List<String> cmd) throws IOException, InterruptedException {
    return Cli.run(cmd, TIMEOUT);
  }
}
