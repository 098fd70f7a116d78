package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * lamina run the way containers/storage runs a {@code mount_program} ({@code PROG -o OPTS, MERGED}, no
 * subcommand), and the mount flags as root: suid and dev honoured as given, with fuse-overlayfs's defaults
 * (rw,nodev,noatime, setuid programs working).
 */
class MountProgramIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Path FUSE_OVERLAYFS = Path.of("/usr/bin/fuse-overlayfs");

  @RegisterExtension final FuseFixture fx = new FuseFixture();

  /** As containers/storage writes it, trailing comma included. */
  private String storageOptions() {
    return "lowerdir=" + fx.lower() + ",upperdir=" + fx.upper() + ",workdir=" + fx.work() + ",";
  }

  private static Path overlayfsScript() {
    return Cli.home().resolve("scripts/lamina-overlayfs");
  }

  @Test
  void laminaOverlayfs_asContainersStorageRunsIt_sharedDaemon_fusermountEndsTheMount_andTheIdleDaemonExits()
      throws Exception {
    Path daemonDir = fx.base().resolve("daemon");
    Files.writeString(fx.lower().resolve("f"), "from lower");
    fx.track(fx.mnt());
    Cli.Result r = Cli.run(List.of(overlayfsScript().toString(), "-o", storageOptions(), fx.mnt().toString()), TIMEOUT,
        Cli.sharedDaemon(daemonDir));
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(Files.readString(fx.mnt().resolve("f"))).isEqualTo("from lower");
    long pid = Cli.sharedDaemonPid(daemonDir);
    assertThat(Cli.daemonStatus(daemonDir)).contains(fx.mnt().toString());
    Cli.Result u = Cli.run(List.of("fusermount3", "-u", fx.mnt().toString()), TIMEOUT);
    assertThat(u.exit()).as(u.toString()).isZero();
    assertThat(FuseFixture.isMounted(fx.mnt())).isFalse();
    Cli.awaitSharedDaemonExit(daemonDir, pid);
  }

  @Test
  void laminaOverlayfs_asContainersStorageRunsIt_private_returnsLive_andFusermountLeavesNoDaemon() throws Exception {
    Files.writeString(fx.lower().resolve("f"), "from lower");
    fx.track(fx.mnt());
    Cli.Result r = Cli.run(List.of(overlayfsScript().toString(), "-o", storageOptions(), fx.mnt().toString()), TIMEOUT,
        Cli.privateDaemon());
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(Files.readString(fx.mnt().resolve("f"))).isEqualTo("from lower");
    ProcessHandle daemon = ProcessHandle.of(Cli.daemonPid(fx.mnt()).orElseThrow()).orElseThrow();
    Cli.Result u = Cli.run(List.of("fusermount3", "-u", fx.mnt().toString()), TIMEOUT);
    assertThat(u.exit()).as(u.toString()).isZero();
    daemon.onExit().get(20, TimeUnit.SECONDS);
    assertThat(FuseFixture.isMounted(fx.mnt())).isFalse();
  }

  @Test
  void lamina_withoutSubcommand_takesTheFuseOverlayfsForm_foregroundToo() throws Exception {
    Files.writeString(fx.lower().resolve("f"), "x");
    fx.track(fx.mnt());
    Cli.Result r = Cli.run(List.of(Cli.launcher().toString(), "-o", storageOptions(), fx.mnt().toString()), TIMEOUT);
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(Files.readString(fx.mnt().resolve("f"))).isEqualTo("x");
    assertThat(Cli.run(List.of("umount", fx.mnt().toString()), TIMEOUT).exit()).isZero();

    Process p =
        new ProcessBuilder(Cli.launcher().toString(), "-f", "-o", storageOptions(), fx.mnt().toString())
            .redirectErrorStream(true).redirectOutput(fx.base().resolve("fg.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (!FuseFixture.isMounted(fx.mnt()) && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(Files.readString(fx.mnt().resolve("f"))).isEqualTo("x");
      assertThat(Cli.run(List.of("fusermount3", "-u", fx.mnt().toString()), TIMEOUT).exit()).isZero();
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(Files.readString(fx.base().resolve("fg.log"))).isZero();
    } finally {
      p.destroyForcibly();
    }
  }

  /** Both ways a mount can be served: a failed mount leaves no JVM of its own, and no mount in the shared daemon. */
  @Test
  void cannotMount_exitsNonZeroWithTheReason_andNoDaemonStays() throws Exception {
    Path daemonDir = fx.base().resolve("daemon");
    java.util.Map<String, String> shared = new java.util.HashMap<>(Cli.sharedDaemon(daemonDir));
    shared.put("LAMINA_DAEMON_IDLE", "600"); // stays for the status below; stopped at the end
    for (java.util.Map<String, String> env : List.of(Cli.privateDaemon(), shared)) {
      Path missing = fx.base().resolve("no-such-layer");
      Cli.Result r = Cli.run(List.of(overlayfsScript().toString(), "-o",
          "lowerdir=" + missing + ",upperdir=" + fx.upper() + ",workdir=" + fx.work() + ",", fx.mnt().toString()),
          TIMEOUT, env);
      assertThat(r.exit()).as(env + ": " + r).isEqualTo(2);
      assertThat(r.err()).contains("lowerdir " + missing + " does not exist");
      Cli.Result bad = Cli.run(List.of(overlayfsScript().toString(), "-o", storageOptions() + "max_threads=0",
          fx.mnt().toString()), TIMEOUT, env);
      assertThat(bad.exit()).as(env + ": " + bad).isEqualTo(2);
      assertThat(bad.err()).contains("max_threads=0").contains("from 1 to 4096");
      assertThat(FuseFixture.isMounted(fx.mnt())).isFalse();
      assertThat(Cli.daemonPid(fx.mnt())).isEmpty();
    }
    try {
      assertThat(Cli.daemonStatus(daemonDir)).contains("mount requests: 2 (2 failed)", "mounts:         0");
    } finally {
      Cli.run(List.of(Cli.launcher().toString(), "daemon", "stop"), TIMEOUT, shared);
    }
  }

  @Test
  void asRoot_setuidProgramsWork_byDefault_andNosuidStopsThem() throws Exception {
    requireRootAndTools();
    Path id = setuidId();
    assertThat(idAsNobody(mount(""), id)).as("setuid root id -u, default flags").isEqualTo("0");
    unmount();
    assertThat(idAsNobody(mount("nosuid,"), id)).as("setuid root id -u under nosuid").isEqualTo("65534");
    unmount();
    if (Files.isExecutable(FUSE_OVERLAYFS)) {
      // fuse-overlayfs, the reference: the same answers with the same options
      assertThat(idAsNobody(mountWith(FUSE_OVERLAYFS, ""), id)).isEqualTo("0");
      unmount();
    }
  }

  @Test
  void asRoot_devicesNeedDev_likeFuseOverlayfs_andTheFlagsMatchIt() throws Exception {
    requireRootAndTools();
    Path dev = fx.lower().resolve("null");
    Cli.Result mk = Cli.run(List.of("mknod", "-m", "0666", dev.toString(), "c", "1", "3"), TIMEOUT);
    assertThat(mk.exit()).as(mk.toString()).isZero();
    String flags = flags(mount(""));
    assertThat(flags).isEqualTo("rw,nodev,noatime");
    assertThat(writeTo(fx.mnt().resolve("null")).err()).contains("Permission denied");
    unmount();
    assertThat(flags(mount("dev,nosuid,"))).isEqualTo("rw,nosuid,noatime");
    assertThat(writeTo(fx.mnt().resolve("null")).exit()).isZero();
    unmount();
    if (Files.isExecutable(FUSE_OVERLAYFS)) {
      assertThat(flags(mountWith(FUSE_OVERLAYFS, ""))).as("fuse-overlayfs's flags").isEqualTo(flags);
      unmount();
    }
  }

  @Test
  void squashOptions_showEveryOwnerAsTheGivenIds() throws Exception {
    Path f = Files.writeString(fx.lower().resolve("f"), "x");
    Files.createDirectory(fx.lower().resolve("d"));
    mount("squash_to_uid=1234,squash_to_gid=4321,");
    for (Path p : List.of(fx.mnt().resolve("f"), fx.mnt().resolve("d"), fx.mnt())) {
      assertThat(Files.getAttribute(p, "unix:uid")).as("owner of " + p).isEqualTo(1234);
      assertThat(Files.getAttribute(p, "unix:gid")).as("group of " + p).isEqualTo(4321);
    }
    assertThat(Files.getAttribute(f, "unix:uid")).as("the layer itself is untouched").isNotEqualTo(1234);
    unmount();
  }

  private void requireRootAndTools() throws Exception {
    assumeTrue(FuseMount.isRoot(), "setuid programs and device nodes need root");
    assumeTrue(Cli.run(List.of("sh", "-c", "command -v setpriv"), TIMEOUT).exit() == 0, "setpriv is missing");
    // nobody must reach the mount point and the lower dir
    for (Path p : List.of(fx.base(), fx.lower(), fx.mnt())) {
      Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  /** A setuid-root copy of id in the lower dir; returns its path in the mount. */
  private Path setuidId() throws Exception {
    Path id = fx.lower().resolve("id");
    Files.copy(Path.of("/usr/bin/id"), id);
    Cli.Result r = Cli.run(List.of("chmod", "4755", id.toString()), TIMEOUT);
    assertThat(r.exit()).as(r.toString()).isZero();
    return fx.mnt().resolve("id");
  }

  private Path mount(String extra) throws Exception {
    return mountWith(overlayfsScript(), extra);
  }

  private Path mountWith(Path program, String extra) throws Exception {
    fx.track(fx.mnt());
    Cli.Result r = Cli.run(List.of(program.toString(), "-o", storageOptions() + extra, fx.mnt().toString()), TIMEOUT);
    assertThat(r.exit()).as(r.toString()).isZero();
    return fx.mnt();
  }

  private void unmount() throws Exception {
    Cli.Result u = Cli.run(List.of("fusermount3", "-u", fx.mnt().toString()), TIMEOUT);
    assertThat(u.exit()).as(u.toString()).isZero();
  }

  private static String idAsNobody(Path mnt, Path id) throws Exception {
    Cli.Result r = Cli.run(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", id.toString(), "-u"),
        TIMEOUT);
    assertThat(r.exit()).as(r.toString()).isZero();
    return r.out().strip();
  }

  private static Cli.Result writeTo(Path file) throws Exception {
    return Cli.run(List.of("sh", "-c", "echo x > " + file), TIMEOUT);
  }

  /** The per-mount flags mountinfo shows (rw,nodev,noatime ...). */
  private static String flags(Path mnt) throws Exception {
    String real = mnt.toRealPath().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f[4].equals(real)) {
        return f[5];
      }
    }
    throw new AssertionError(mnt + " is not mounted");
  }
}
