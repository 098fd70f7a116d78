package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.testing.HostStateLock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code lamina run IMAGE} as an unprivileged user with a subordinate id range: the image (scripts/make-run-test-
 * image: busybox, /home/user owned by 1000, a setuid file) is loaded into a private store, mounted through FUSE
 * with a container upper dir, and run. Checks the image config, ownership against {@code umoci unpack
 * --rootless}, writes landing only in the upper dir, --name/--rm/ps, chown/chmod inside, signals, and that
 * nothing is left mounted or running. /dev/fuse is set to 0666 for the test users and restored (see
 * {@link FuseAccess}).
 */
@ExtendWith(HostStateLock.class)
class RunImageIT {
  private static TestUser user;
  private static Path dir;
  private static Path image;
  private static Path store;

  @BeforeAll
  static void setUp() throws Exception {
    assumeTrue(TestUser.available(), "needs root (to create test users), useradd, runuser, unshare, setpriv");
    assumeTrue(FuseAccess.available(), "needs /dev/fuse and fusermount");
    assumeTrue(HostTools.which("umoci").isPresent(), "needs umoci");
    assumeTrue(BusyboxRootfs.available(), "needs busybox-static");
    user = TestUser.withRange("lamina-run-it");
    assumeTrue(user.range().isPresent(), "could not give the test user a subordinate id range");
    dir = Files.createTempDirectory(Path.of("/tmp"), "run-image-it-");
    dir.toFile().setReadable(true, false);
    dir.toFile().setExecutable(true, false);
    image = dir.resolve("img");
    TestUser.Result r = TestUser.exec(List.of(Launcher.home().resolve("scripts/make-run-test-image").toString(), image.toString()), 120);
    assertThat(r.code()).as(r.err()).isZero();
    store = dir.resolve("store");
    Files.createDirectories(store);
    TestUser.exec(List.of("chown", user.uid() + ":" + user.gid(), store.toString()), 10);
    FuseAccess.open();
  }

  @AfterAll
  static void tearDown() throws Exception {
    FuseAccess.restore();
    if (dir != null) {
      TestUser.exec(List.of("rm", "-rf", "--one-file-system", dir.toString()), 120);
    }
  }

  @AfterEach
  void nothingLeft() throws Exception {
    assertThat(Files.readString(Path.of("/proc/mounts"))).as("mounts left").doesNotContain(store.toString());
    // the user's shared daemon exits 1 s after its last mount (LAMINA_DAEMON_IDLE below)
    assertThat(user.leftoverProcessesAfter(20)).as("processes left").isEmpty();
  }

  private static TestUser.Result lamina(String... args) throws Exception {
    FuseAccess.open();
    List<String> cmd = new ArrayList<>(List.of(Launcher.path(user)));
    cmd.addAll(Arrays.asList(args));
    return user.run(cmd, null, 180, Map.of("LAMINA_ROOT", store.toString(), "LAMINA_DAEMON_IDLE", "1"));
  }

  private static TestUser.Result run(String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("run", "-q"));
    a.addAll(Arrays.asList(args));
    return lamina(a.toArray(String[]::new));
  }

  private static Path upper(String name) {
    return store.resolve("containers").resolve(name).resolve("upper");
  }

  @Test
  void imageConfig_entrypointCmdEnvWorkingDir() throws Exception {
    TestUser.Result r = run("--rm", image.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("default cmd in /srv/app as 0 mode test\n");
    TestUser.Result over = run("--rm", "-e", "APP_MODE=override", "-w", "/tmp", image.toString(), "--",
        "echo $PWD $APP_MODE; exit 7");
    assertThat(over.code()).isEqualTo(7);
    assertThat(over.out()).isEqualTo("/tmp override\n");
    assertThat(run("--rm", "--name", "hosty", image.toString(), "--", "hostname").out()).isEqualTo("hosty\n");
  }

  @Test
  void ownershipAndModes_matchUmociRootlessUnpack() throws Exception {
    Path bundle = dir.resolve("bundle-" + System.nanoTime());
    TestUser.Result u = TestUser.exec(List.of("umoci", "unpack", "--rootless", "--image", image + ":latest",
        bundle.toString()), 120);
    assertThat(u.code()).as(u.err()).isZero();
    Path rootfs = bundle.resolve("rootfs");
    List<String> paths = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    try (Stream<Path> s = Files.walk(rootfs)) {
      for (Path p : s.sorted().toList()) {
        if (p.equals(rootfs)) {
          continue;
        }
        String rel = "/" + rootfs.relativize(p);
        paths.add(rel);
        expected.add(umociOwner(p) + " " + (Files.isSymbolicLink(p) ? "777" : mode(p)) + " " + rel);
      }
    }
    List<String> args = new ArrayList<>(List.of("--rm", image.toString(), "--", "stat -c '%u:%g %a %n' \"$@\"", "sh"));
    args.addAll(paths);
    TestUser.Result r = run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines().toList()).containsExactlyElementsOf(expected);
    assertThat(expected).contains("1000:1000 755 /home/user", "0:0 4755 /usr/bin/su-demo", "0:0 1777 /tmp",
        "0:0 700 /root");
  }

  /** umoci --rootless keeps non-root owners in user.rootlesscontainers (protobuf: 1=uid, 2=gid); none is 0:0. */
  private static String umociOwner(Path p) throws Exception {
    if (Files.isSymbolicLink(p)) {
      return "0:0";
    }
    UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
    if (!v.list().contains("rootlesscontainers")) {
      return "0:0";
    }
    ByteBuffer b = ByteBuffer.allocate(v.size("rootlesscontainers"));
    v.read("rootlesscontainers", b);
    b.flip();
    long[] ids = {0, 0};
    while (b.hasRemaining()) {
      int key = b.get() & 0xff;
      long val = 0;
      int shift = 0;
      int x;
      do {
        x = b.get() & 0xff;
        val |= (long) (x & 0x7f) << shift;
        shift += 7;
      } while ((x & 0x80) != 0);
      ids[(key >> 3) - 1] = val;
    }
    return ids[0] + ":" + ids[1];
  }

  private static String mode(Path p) throws Exception {
    int m = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    return Integer.toOctalString(m);
  }

  @Test
  void writesLandInTheUpperDirOnly_nameKeepsThem_rmRemoves_psLists() throws Exception {
    TestUser.Result r = run("--name", "keep", image.toString(), "--",
        "echo hi > /etc/new && rm /etc/motd && echo changed >> /srv/app/run.sh");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.readString(upper("keep").resolve("etc/new"))).isEqualTo("hi\n");
    assertThat(upper("keep").resolve("srv/app/run.sh")).exists();
    try (Stream<Path> s = Files.list(upper("keep").resolve("etc"))) {
      assertThat(s.map(p -> p.getFileName().toString()).toList())
          .as("a whiteout for /etc/motd").anyMatch(n -> n.equals("motd") || n.equals(".wh.motd"));
    }
    try (Stream<Path> s = Files.walk(store.resolve("layers"))) {
      assertThat(s.map(Path::toString).toList()).as("layers are not written")
          .noneMatch(p -> p.endsWith("/etc/new")).anyMatch(p -> p.endsWith("/etc/motd"));
    }
    TestUser.Result again = run("--name", "keep", image.toString(), "--", "cat /etc/new; ls /etc/motd 2>&1; tail -1 run.sh");
    assertThat(again.out()).startsWith("hi\n").contains("No such file").endsWith("changed\n");
    TestUser.Result ps = lamina("ps");
    assertThat(ps.out()).contains("keep");
    assertThat(ps.out().lines().filter(l -> l.startsWith("keep")).findFirst().orElseThrow()).endsWith("-");
    assertThat(run("--rm", "--name", "gone", image.toString(), "--", "true").code()).isZero();
    assertThat(lamina("ps", "-q").out().lines().toList()).contains("keep").doesNotContain("gone");
    assertThat(store.resolve("containers/gone")).doesNotExist();
    assertThat(lamina("rm", "keep").code()).isZero();
  }

  @Test
  void chownAndChmodInside_changeWhatIsPresented_keptInTheOverrideXattr() throws Exception {
    TestUser.Result r = run("--name", "own", image.toString(), "--",
        "chown 1000:50 /etc/motd && chmod 4710 /etc/motd && stat -c '%u:%g %a' /etc/motd");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("1000:50 4710\n");
    Path f = upper("own").resolve("etc/motd");
    UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
    ByteBuffer b = ByteBuffer.allocate(v.size("containers.override_stat"));
    v.read("containers.override_stat", b);
    assertThat(new String(b.array(), StandardCharsets.UTF_8)).startsWith("1000:50:");
    assertThat(Files.getAttribute(f, "unix:uid")).as("on disk the file stays the user's").isEqualTo((int) user.uid());
    assertThat(Files.getPosixFilePermissions(f)).doesNotContain(PosixFilePermission.OTHERS_READ);
    TestUser.Result again = run("--rm", "--name", "own", image.toString(), "--", "stat -c '%u:%g %a' /etc/motd");
    assertThat(again.out()).isEqualTo("1000:50 4710\n");
  }

  @Test
  void imageUser_needsAllowOther_elseFailsAndSaysWhy() throws Exception {
    FuseAccess.withoutUserAllowOther(() -> {
      TestUser.Result r = run("--rm", "-u", "user", image.toString(), "--", "echo ran; id -u");
      assertThat(r.code()).as(r.out() + r.err()).isEqualTo(125);
      assertThat(r.out()).as("never runs as root instead").isEmpty();
      assertThat(r.err()).startsWith("lamina: cannot run as -u user (1000:1000)").contains("user_allow_other");
      assertThat(lamina("ps", "-q").out()).as("--rm removed the container").isEmpty();
    });
    FuseAccess.withUserAllowOther(() -> {
      TestUser.Result u = run("--rm", "-u", "user", image.toString(), "--",
          "id; cd && pwd && echo x > mine && stat -c '%u:%g' mine; touch /etc/nope 2>&1");
      assertThat(u.code()).as(u.err()).isNotZero();
      assertThat(u.out()).startsWith("uid=1000(user) gid=1000(user) groups=50(staff)\n/home/user\n1000:1000\n")
          .contains("Permission denied");
    });
  }

  @Test
  void sigterm_endsTheRun_andUnmounts() throws Exception {
    FuseAccess.open();
    List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user.name(), "--", "env", "-i", "PATH=/usr/bin:/bin",
        "JAVA_HOME=" + System.getProperty("java.home"), "LAMINA_ROOT=" + store));
    cmd.addAll(daemonEnv());
    cmd.addAll(List.of(Launcher.path(user), "run", "-q", "--rm", image.toString(), "--", "exec sleep 66"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (TestUser.exec(List.of("pgrep", "-f", "^sleep 66"), 10).code() != 0) {
        assertThat(System.nanoTime()).as("sleep did not start").isLessThan(deadline);
        Thread.sleep(100);
      }
      ProcessHandle java = runJvm(p);
      TestUser.exec(List.of("kill", "-TERM", Long.toString(java.pid())), 10);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(143);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    assertThat(lamina("ps", "-q").out()).isEmpty();
  }


  @Test
  void sigkillOfLamina_killsTheContainer_andTheNextRunClearsTheStaleMount() throws Exception {
    FuseAccess.open();
    List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user.name(), "--", "env", "-i", "PATH=/usr/bin:/bin",
        "JAVA_HOME=" + System.getProperty("java.home"), "LAMINA_ROOT=" + store));
    cmd.addAll(daemonEnv());
    cmd.addAll(List.of(Launcher.path(user), "run", "-q", "--name", "stale", image.toString(), "--", "exec sleep 67"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (TestUser.exec(List.of("pgrep", "-f", "^sleep 67"), 10).code() != 0) {
        assertThat(System.nanoTime()).as("sleep did not start").isLessThan(deadline);
        Thread.sleep(100);
      }
      ProcessHandle java = runJvm(p);
      TestUser.exec(List.of("kill", "-KILL", Long.toString(java.pid())), 10);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      // setpriv --pdeathsig and unshare --kill-child take the namespace down with lamina
      long gone = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a deadline for a failure, not a timing
      while (TestUser.exec(List.of("pgrep", "-f", "^sleep 67"), 10).code() == 0) {
        assertThat(System.nanoTime()).as("the container outlived lamina").isLessThan(gone);
        Thread.sleep(100);
      }
      if (!"private".equals(System.getenv("LAMINA_DAEMON"))) {
        // the shared daemon saw the run's connection close and unmounts the root by itself, no next run needed
        Path merged = store.resolve("containers/stale/merged");
        while (Files.readString(Path.of("/proc/mounts")).contains(merged.toString())
            || lamina("daemon", "status").out().contains(merged.toString())) {
          assertThat(System.nanoTime()).as("the daemon did not unmount the killed run's root").isLessThan(gone);
          Thread.sleep(100);
        }
      }
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    TestUser.Result r = run("--rm", "--name", "stale", image.toString(), "--", "echo again");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("again\n");
  }

  /**
   * The root of a run is served by the user's shared daemon (unless --daemon=private): while the command runs,
   * {@code lamina daemon status} lists the container's mount held by the run's pid; when it ends the daemon has
   * let go of it (no mount listed, nothing in /proc/mounts) by the time lamina returns. With --daemon=private
   * no daemon serves it.
   */
  @Test
  void theSharedDaemonServesTheRoot_whileTheRunHoldsIt_andForgetsItWhenTheRunEnds() throws Exception {
    boolean shared = !"private".equals(System.getenv("LAMINA_DAEMON"));
    for (String mode : shared ? List.of("shared", "private") : List.of("private")) {
      FuseAccess.open();
      List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user.name(), "--", "env", "-i", "PATH=/usr/bin:/bin",
          "JAVA_HOME=" + System.getProperty("java.home"), "LAMINA_ROOT=" + store));
      cmd.addAll(daemonEnv());
      cmd.set(cmd.indexOf("LAMINA_DAEMON_IDLE=1"), "LAMINA_DAEMON_IDLE=60"); // stays after the run, to be asked
      cmd.addAll(List.of(Launcher.path(user), "run", "-q", "-i", "--daemon=" + mode, "--name", "held-" + mode,
          image.toString(), "--", "echo started; read x; echo got $x"));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      try {
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("started");
        Path merged = store.resolve("containers/held-" + mode + "/merged");
        assertThat(Files.readString(Path.of("/proc/mounts"))).contains(merged.toString());
        TestUser.Result during = lamina("daemon", "status");
        if (mode.equals("shared")) {
          assertThat(during.code()).as(during.out() + during.err()).isZero();
          assertThat(during.out()).contains("mounts:         1\n")
              .containsPattern(java.util.regex.Pattern.quote(merged.toString()) + " .* held by pid "
                  + runJvm(p).pid() + "\n");
        } else {
          assertThat(during.out()).doesNotContain(merged.toString());
        }
        // a second run of the container while the first holds it is refused, and the first one's root stays
        TestUser.Result second = run("--daemon=" + mode, "--name", "held-" + mode, image.toString(), "--", "true");
        assertThat(second.code()).as(second.err()).isEqualTo(125);
        assertThat(second.err()).contains("container 'held-" + mode + "' is in use");
        assertThat(Files.readString(Path.of("/proc/mounts"))).contains(merged.toString());
        p.getOutputStream().write("bye\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(out.readLine()).isEqualTo("got bye");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(merged.toString());
        TestUser.Result after = lamina("daemon", "status");
        if (mode.equals("shared")) {
          // the same daemon with no mount (or, had the run found one about to exit idle, no daemon at all)
          assertThat(after.out()).as("the daemon forgot the mount when the run returned")
              .containsAnyOf("mounts:         0\n", "no lamina daemon runs").doesNotContain(merged.toString());
          lamina("daemon", "stop");
        } else {
          assertThat(after.out()).doesNotContain(merged.toString());
        }
      } finally {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
      assertThat(lamina("rm", "held-" + mode).code()).isZero();
    }
  }

  /** The test run's daemon settings (pom.xml), for commands started without {@link TestUser#run}. */
  private static List<String> daemonEnv() {
    List<String> e = new ArrayList<>(List.of("LAMINA_DAEMON_IDLE=1"));
    for (String k : List.of("LAMINA_DAEMON_DIR", "LAMINA_DAEMON")) {
      if (System.getenv(k) != null) {
        e.add(k + "=" + System.getenv(k));
      }
    }
    return e;
  }

  /** lamina run's JVM under {@code p}: not the shared daemon, which the run may have started (its child). */
  private static ProcessHandle runJvm(Process p) {
    return p.descendants()
        .filter(h -> h.info().command().orElse("").endsWith("java"))
        .filter(h -> !String.join(" ", h.info().arguments().orElse(new String[0])).contains("daemon run"))
        .findFirst().orElseThrow();
  }

  @Test
  void withoutRange_everyOwnerShowsAsRoot_andLaminaSaysSoOnce() throws Exception {
    TestUser nr = TestUser.withoutRange("lamina-run-nr");
    Path nrStore = dir.resolve("store-nr");
    Files.createDirectories(nrStore);
    TestUser.exec(List.of("chown", nr.uid() + ":" + nr.gid(), nrStore.toString()), 10);
    FuseAccess.open();
    TestUser.Result r = nr.run(List.of(Launcher.path(nr), "run", "-q", "--rm", image.toString(), "--",
        "stat -c '%u:%g %a %n' /home/user /home/user/notes.txt /usr/bin/su-demo; id -u"), null, 180,
        Map.of("LAMINA_ROOT", nrStore.toString(), "LAMINA_DAEMON_IDLE", "1"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("0:0 755 /home/user\n0:0 644 /home/user/notes.txt\n0:0 4755 /usr/bin/su-demo\n0\n");
    assertThat(r.err().split("no subordinate id range", -1)).hasSize(2);
    TestUser.Result again = nr.run(List.of(Launcher.path(nr), "run", "-q", "--rm", image.toString(), "--", "true"),
        null, 180, Map.of("LAMINA_ROOT", nrStore.toString(), "LAMINA_DAEMON_IDLE", "1"));
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.err()).as("said once").doesNotContain("subordinate");
    assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(nrStore.toString());
    assertThat(nr.leftoverProcessesAfter(20)).isEmpty();
  }
}
