package dev.lamina.daemon;

import dev.lamina.testing.Launcher;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.testing.DevFuseOpen;
import dev.lamina.testing.HostStateLock;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared daemon with real processes ({@code scripts/lamina}) and real FUSE mounts: one JVM serves many mounts,
 * an unmount or a failed mount touches no other, the daemon exits when idle, layers stay locked while any of its
 * mounts uses them, a kill -9 leaves mounts that say ENOTCONN (and the next mount clears them), and another user is
 * refused. Each test has its own daemon directory (LAMINA_DAEMON_DIR), so it never meets a daemon of the machine.
 */
@ExtendWith(HostStateLock.class)
class DaemonIT {
  static final String EXAMPLE = "oci:" + Path.of("src/example/busybox-layers").toAbsolutePath() + ":latest";
  private static final Pattern PID = Pattern.compile("(?m)^pid:\\s+(\\d+)");

  @TempDir Path tmp;
  private Path daemonDir;
  private final List<Path> mounts = new ArrayList<>();

  record Result(int code, String out, String err) {}

  @BeforeEach
  void setUp() {
    Launcher.assumeCanMount();
    daemonDir = tmp.resolve("daemon");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (daemonDir == null) {
      return; // skipped in setUp: nothing was started
    }
    lamina(List.of("daemon", "stop"), Map.of());
    for (Path m : mounts) {
      unmount(m);
    }
  }

  static Path home() {
    return Launcher.home();
  }

  Result lamina(List<String> args, Map<String, String> extraEnv) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(home().resolve("scripts/lamina").toString()));
    cmd.addAll(args);
    Map<String, String> env = new HashMap<>(Map.of("LAMINA_DAEMON", "shared",
        "LAMINA_DAEMON_DIR", daemonDir.toString(), "LAMINA_DAEMON_IDLE", "60"));
    env.putAll(extraEnv);
    return run(cmd, env);
  }

  Result run(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
    return run(tmp, cmd, env, 180);
  }

  /** Runs cmd in dir with env added, its output in files there; fails unless it ends within the timeout. */
  static Result run(Path dir, List<String> cmd, Map<String, String> env, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).directory(dir.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as(cmd + " ended").isTrue();
    } finally {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** Mounts lowerdir (and upper/work when given) on a new dir through the shared daemon; returns it. */
  Path mount(String name, String options) throws Exception {
    return mount(name, options, Map.of());
  }

  /** As {@link #mount(String, String)}, with extra environment for the client (and a daemon it starts). */
  Path mount(String name, String options, Map<String, String> env) throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve(name));
    Result r = lamina(List.of("mount", "-o", options, mnt.toString()), env);
    assertThat(r.code()).as(r.err()).isZero();
    mounts.add(mnt);
    return mnt;
  }

  /** The paths of the daemon of the build that scripts/lamina runs (target/lamina.jar). */
  DaemonPaths build() {
    return new DaemonPaths(daemonDir, BuildId.of(home().resolve("target/lamina.jar").toString()));
  }

  long daemonPid() throws Exception {
    Result r = lamina(List.of("daemon", "status"), Map.of());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    Matcher m = PID.matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** Waits until `lamina daemon status` shows {@code n} mounts. */
  void awaitMounts(int n) throws Exception {
    String out = "";
    for (int i = 0; i < 300; i++) {
      out = lamina(List.of("daemon", "status"), Map.of()).out();
      if (out.contains("mounts:         " + n + "\n")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the daemon did not get to " + n + " mounts:\n" + out);
  }

  /** /dev/fuse descriptors a process holds: one per FUSE connection it serves. */
  static long fuseFds(long pid) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().equals("/dev/fuse");
        } catch (IOException e) {
          return false;
        }
      }).count();
    }
  }

  /** Whether {@code pid} is gone or a zombie (whose descriptors are closed: nothing may reap it here). */
  static boolean exited(long pid) {
    try {
      return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
          .anyMatch(l -> l.startsWith("State:") && l.contains("Z"));
    } catch (IOException e) {
      return true;
    }
  }

  static boolean isMountPoint(Path p) throws IOException {
    String want = p.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].equals(want)) {
        return true;
      }
    }
    return false;
  }

  static void unmount(Path mnt) throws IOException, InterruptedException {
    if (isMountPoint(mnt)) {
      new ProcessBuilder("fusermount3", "-u", "-z", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  static void fusermountU(Path mnt) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("fusermount3", "-u", mnt.toString()).inheritIO().start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("fusermount3 -u " + mnt).isZero();
  }

  Path lowers() throws IOException {
    Path l1 = Files.createDirectories(tmp.resolve("l1"));
    Path l2 = Files.createDirectories(tmp.resolve("l2"));
    Files.writeString(l1.resolve("top"), "top\n");
    Files.writeString(l2.resolve("bottom"), "bottom\n");
    Files.createDirectories(tmp.resolve("u"));
    Files.createDirectories(tmp.resolve("w"));
    return tmp;
  }

  @Test
  void oneDaemonServesManyMounts_anUnmountOrAFailureTouchesNoOther_andItExitsWhenIdle() throws Exception {
    lowers();
    Path a = mount("a", "lowerdir=l1:l2,upperdir=u,workdir=w"); // relative: the client's directory counts
    Path b = mount("b", "lowerdir=l2");
    long pid = daemonPid();
    assertThat(fuseFds(pid)).as("one process holds both FUSE connections").isEqualTo(2);
    Files.writeString(a.resolve("new"), "through a\n");
    assertThat(Files.readString(tmp.resolve("u/new"))).isEqualTo("through a\n");
    assertThat(Files.readString(b.resolve("bottom"))).isEqualTo("bottom\n");

    Result bad = lamina(List.of("mount", "-o", "lowerdir=" + tmp.resolve("missing"), tmp.resolve("a").toString()),
        Map.of());
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains(tmp.resolve("missing").toString());
    assertThat(Files.readString(a.resolve("top"))).as("a failed mount leaves the others alone").isEqualTo("top\n");

    fusermountU(a);
    awaitMounts(1);
    assertThat(isMountPoint(a)).isFalse();
    assertThat(Files.readString(b.resolve("bottom"))).as("b is still served").isEqualTo("bottom\n");
    assertThat(ProcessHandle.of(pid)).as("the daemon goes on").isPresent();
    String status = lamina(List.of("daemon", "status"), Map.of()).out();
    assertThat(status).contains("mount requests: 3 (1 failed)", b.toString()).doesNotContain(a + " ");

    // idle: the last unmount, then LAMINA_DAEMON_IDLE (60 s here) - restart it with a short one to see it go
    fusermountU(b);
    awaitMounts(0);
    lamina(List.of("daemon", "stop"), Map.of());
    ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
    Path c = mount("c", "lowerdir=l2");
    long second = daemonPid();
    assertThat(second).as("a new daemon after stop").isNotEqualTo(pid);
    fusermountU(c);
    // a daemon started with a 1 s idle period: exits after its last mount
    lamina(List.of("daemon", "stop"), Map.of());
    ProcessHandle.of(second).ifPresent(h -> h.onExit().join());
    Result r = lamina(List.of("mount", "-o", "lowerdir=l2", c.toString()), Map.of("LAMINA_DAEMON_IDLE", "1"));
    assertThat(r.code()).as(r.err()).isZero();
    long third = daemonPid();
    fusermountU(c);
    ProcessHandle h = ProcessHandle.of(third).orElseThrow();
    h.onExit().get(60, TimeUnit.SECONDS);
    assertThat(build().socket()).as("an idle daemon removes its socket").doesNotExist();
    assertThat(build().jar()).as("and the copy of the jar it ran from").doesNotExist();
  }

  @Test
  void layersStayLockedWhileAnyMountOfTheDaemonUsesThem() throws Exception {
    Path store = tmp.resolve("store");
    Result load = lamina(List.of("load", "-q", EXAMPLE, "-t", "ex", "--root", store.toString()), Map.of());
    assertThat(load.code()).as(load.err()).isZero();
    Path m1 = Files.createDirectories(tmp.resolve("m1"));
    Path m2 = Files.createDirectories(tmp.resolve("m2"));
    mounts.add(m1);
    mounts.add(m2);
    for (Path m : List.of(m1, m2)) {
      Result r = lamina(List.of("mount", "--read-only", "ex", m.toString(), "--root", store.toString()), Map.of());
      assertThat(r.code()).as(r.err()).isZero();
    }
    assertThat(lamina(List.of("rmi", "ex", "--root", store.toString()), Map.of()).code()).isZero();
    fusermountU(m1);
    awaitMounts(1);
    Result prune = lamina(List.of("prune", "--root", store.toString()), Map.of());
    assertThat(prune.out()).as("m2 still uses the layers that m1 used too").doesNotContain("Deleted layer");
    assertThat(m2.resolve("bin/busybox")).isRegularFile();
    fusermountU(m2);
    awaitMounts(0);
    prune = lamina(List.of("prune", "--root", store.toString()), Map.of());
    assertThat(prune.out()).as("the last mount let go").contains("Deleted layer: sha256:");
  }

  @Test
  void afterKillNine_mountsSayEnotconn_psShowsThemDead_andTheNextMountClearsThem() throws Exception {
    lowers();
    Path store = tmp.resolve("store");
    assertThat(lamina(List.of("load", "-q", EXAMPLE, "-t", "ex", "--root", store.toString()), Map.of()).code())
        .isZero();
    Path box = Files.createDirectories(tmp.resolve("box"));
    mounts.add(box);
    Result r = lamina(List.of("mount", "ex", box.toString(), "--name", "box", "--root", store.toString()), Map.of());
    assertThat(r.code()).as(r.err()).isZero();
    Path plain = mount("plain", "lowerdir=l1:l2,upperdir=u,workdir=w");
    long pid = daemonPid();
    assertThat(lamina(List.of("ps", "--root", store.toString()), Map.of()).out()).contains(box.toString())
        .doesNotContain("(dead)");

    new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
    ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
    for (Path m : List.of(box, plain)) {
      try {
        // a listing, not a stat: the kernel answers a stat from attributes it cached within attr_timeout without
        // asking the (dead) server, while OPENDIR always reaches it
        try (Stream<Path> s = Files.list(m)) {
          s.count();
        }
        throw new AssertionError(m + " still answered after its daemon was killed");
      } catch (FileSystemException e) {
        assertThat(e.getReason()).as(m.toString()).contains("Transport endpoint is not connected");
      }
    }
    assertThat(lamina(List.of("ps", "--root", store.toString()), Map.of()).out()).contains(box + " (dead)");

    nextMountClearsTheDeadOnes(pid, box, plain);
    assertThat(lamina(List.of("ps", "--root", store.toString()), Map.of()).out()).doesNotContain("(dead)");
    Result again = lamina(List.of("mount", "ex", box.toString(), "--name", "box", "--root", store.toString()),
        Map.of());
    assertThat(again.code()).as("the container mounts again: " + again.err()).isZero();
    assertThat(box.resolve("bin/busybox")).isRegularFile();
  }

  /** Runs {@code script} with sh in new namespaces ({@code unshare FLAGS}), with the test's daemon settings. */
  Result inNamespace(List<String> prefix, String flags, String script, Map<String, String> env) throws Exception {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of("unshare", flags, "sh", "-c", script));
    Map<String, String> all = new HashMap<>(Map.of("LAMINA_DAEMON", "shared", "LAMINA_DAEMON_DIR",
        daemonDir.toString(), "LAMINA_DAEMON_IDLE", "60", "L", home().resolve("scripts/lamina").toString()));
    all.putAll(env);
    return run(cmd, all);
  }

  @Test
  void aMountMadeInAnotherMountNamespaceIsPassedToTheDaemon_andEndsWithItsNamespace() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root for unshare -m");
    lowers();
    Path a = mount("a", "lowerdir=l1:l2");
    long pid = daemonPid();
    Path m = Files.createDirectories(tmp.resolve("m"));
    // the client mounts in its namespace, passes the descriptors and exits; the mount lives on there
    Result r = inNamespace(List.of(), "-m", "set -e; \"$L\" mount -o lowerdir=l1:l2,upperdir=u,workdir=w m;"
        + " cat m/top; echo new > m/new; \"$L\" daemon status; grep ' " + m + " ' /proc/self/mountinfo;"
        + " umount m; echo unmounted", Map.of());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("top\n", "pid:            " + pid, "mounts:         2", "mnt:[", " " + m + " ",
        "fuse.lamina", "unmounted");
    assertThat(isMountPoint(m)).as("not mounted in our namespace").isFalse();
    assertThat(Files.readString(tmp.resolve("u/new"))).isEqualTo("new\n");
    awaitMounts(1);
    assertThat(fuseFds(pid)).isEqualTo(1);

    // a namespace that goes away with the mount still in it takes the mount along: the daemon lets go of it
    r = inNamespace(List.of(), "-m", "\"$L\" mount -o lowerdir=l2 m && ls m", Map.of());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("bottom");
    awaitMounts(1);
    assertThat(Files.readString(a.resolve("top"))).isEqualTo("top\n");
    assertThat(ProcessHandle.of(pid)).as("the same daemon goes on").isPresent();
    assertThat(daemonPid()).isEqualTo(pid);
  }

  /**
   * {@code lamina daemon stop} with a mount passed from another mount namespace, which it cannot unmount: it
   * unmounts the mount here, says which one it could not and what to do, and returns once the daemon has exited;
   * the passed mount then answers ENOTCONN in its namespace and unmounts there; no daemon, record or later
   * daemon claims either.
   */
  @Test
  void stopWithAMountOfAnotherNamespace_namesIt_andItAnswersEnotconnUntilUnmountedThere() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root for unshare -m");
    lowers();
    Path a = mount("a", "lowerdir=l1:l2");
    long pid = daemonPid();
    Path m = Files.createDirectories(tmp.resolve("m"));
    Result r = inNamespace(List.of(), "-m", "set -e; \"$L\" mount -o lowerdir=l1:l2 m; cat m/top;"
        + " \"$L\" daemon stop; if ls m; then echo STILL SERVED; fi; umount m; echo unmounted there;"
        + " if grep ' " + m + " ' /proc/self/mountinfo; then echo STILL MOUNTED; fi", Map.of());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("top\n", "unmounted there").doesNotContain("STILL");
    assertThat(r.err()).contains("stopped the daemon (pid " + pid + "); unmounted 1 mount(s)",
        "1 mount(s) made in other mount namespaces could not be unmounted from here", "mnt:[", " " + m + "\n",
        "umount PATH there");
    assertThat(r.err()).as("ls of the passed mount after stop")
        .containsAnyOf("Transport endpoint is not connected", "Software caused connection abort");
    assertThat(exited(pid)).as("stop returned after the daemon exited").isTrue();
    assertThat(isMountPoint(a)).as("the mount here was unmounted").isFalse();
    assertThat(Files.readString(build().record())).as("the record claims nothing").isEmpty();
    Path b = mount("b", "lowerdir=l2");
    assertThat(daemonPid()).isNotEqualTo(pid);
    assertThat(lamina(List.of("daemon", "status"), Map.of()).out()).contains("mounts:         1\n")
        .doesNotContain(" " + m + "  ");
    assertThat(Files.readString(b.resolve("bottom"))).isEqualTo("bottom\n");
  }

  /**
   * At the heap limit the daemon exits (-XX:+ExitOnOutOfMemoryError, native-notes.md "Heap"), whichever mount's
   * request ran out: a listing of 40,000 long names (about 45 MB as the daemon keeps them) through a daemon of 16
   * MB fails, every mount of that daemon then fails (ECONNABORTED or ENOTCONN, never a wrong answer), the log says
   * why, and the next mount starts a fresh daemon, which clears the dead mounts.
   */
  @Test
  void atTheHeapLimit_theDaemonExits_everyMountFails_andTheNextMountStartsAFreshOne() throws Exception {
    lowers();
    Path big = Files.createDirectories(tmp.resolve("big/d"));
    String pad = "x".repeat(200);
    for (int i = 0; i < 40_000; i++) {
      Files.createFile(big.resolve(i + pad));
    }
    Map<String, String> tiny = Map.of("LAMINA_DAEMON_JAVA_OPTS", "-XX:+UseSerialGC -Xmx16m");
    Path small = mount("small", "lowerdir=l1:l2", tiny);
    Path huge = mount("huge", "lowerdir=big", tiny);
    long pid = daemonPid();
    assertThat(Files.readString(small.resolve("top"))).isEqualTo("top\n");

    Result ls = run(List.of("ls", huge.resolve("d").toString()), Map.of());
    assertThat(ls.code()).as("a listing the heap cannot hold").isNotZero();
    assertThat(ls.err()).containsAnyOf("Software caused connection abort", "Transport endpoint is not connected");
    ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
    assertThat(Files.readString(daemonDir.resolve("daemon.log")))
        .contains("Terminating due to java.lang.OutOfMemoryError: Java heap space");
    Result other = run(List.of("ls", small.toString()), Map.of());
    assertThat(other.code()).as("the other mount of that daemon").isNotZero();
    assertThat(other.err()).containsAnyOf("Software caused connection abort", "Transport endpoint is not connected");

    nextMountClearsTheDeadOnes(pid, small, huge);
  }

  /**
   * A passed mount made again on the same directory right after the last one there was detached (umount -l, as
   * containers/storage unmounts, while a process still holds a file in it): the daemon still serves the detached
   * one, under the same name, until its last user lets go; the new mount must not be refused for it.
   */
  @Test
  void aPassedMountRightAfterADetachedOneOnTheSameDir_isServed() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root for unshare -m");
    lowers();
    Path a = mount("a", "lowerdir=l1:l2");
    Files.createDirectories(tmp.resolve("m"));
    Result r = inNamespace(List.of(), "-m", "set -e; \"$L\" mount -o lowerdir=l1:l2 m; exec 3< m/top;"
        + " umount -l m; \"$L\" mount -o lowerdir=l2 m; ls m; \"$L\" daemon status; cat <&3; exec 3<&-;"
        + " umount m; echo unmounted", Map.of());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("bottom\n", "mounts:         2", "top\n", "unmounted").doesNotContain("top\nbottom");
    awaitMounts(1);
    assertThat(Files.readString(a.resolve("top"))).isEqualTo("top\n");
  }

  private static final String TEST_USER = "lamina-dmn-test";

  /** Adds the test user if missing (skips without root); true when this test added it and must remove it. */
  private boolean addTestUser() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to add a test user and act as it");
    if (run(List.of("id", "-u", TEST_USER), Map.of()).code() == 0) {
      return false;
    }
    Result add = run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", TEST_USER),
        Map.of());
    assumeTrue(add.code() == 0, "needs root to add a test user: " + add.err());
    return true;
  }

  /** Removes the test user (retried: userdel refuses while a process of the user is still exiting). */
  private void removeTestUser() throws Exception {
    for (int i = 0; i < 20 && run(List.of("userdel", TEST_USER), Map.of()).code() != 0; i++) {
      Thread.sleep(500);
    }
  }

  /**
   * The user mounts through fusermount3, which needs /dev/fuse open to them: on a fresh machine it is 0600, so the
   * test sets 0666 for its duration and restores the mode after (the class holds the host-state lock).
   */
  @Test
  void anOrdinaryUserInAUserNamespaceOfItsOwnIsServedByTheirDaemon() throws Exception {
    String user = TEST_USER;
    boolean created = addTestUser();
    Path devFuse = Path.of("/dev/fuse");
    String fuseMode = Integer.toOctalString((Integer) Files.getAttribute(devFuse, "unix:mode") & 07777);
    run(List.of("chmod", "0666", devFuse.toString()), Map.of());
    try {
      int uid = Integer.parseInt(run(List.of("id", "-u", user), Map.of()).out().strip());
      List<String> as = List.of("runuser", "-u", user, "--");
      Result probe = run(List.of("runuser", "-u", user, "--", "unshare", "-Urm", "true"), Map.of());
      assumeTrue(probe.code() == 0, "user namespaces are not open to ordinary users here: " + probe.err());
      Path app = Files.createDirectories(tmp.resolve("app/scripts"));
      Files.createDirectories(tmp.resolve("app/target"));
      Files.copy(home().resolve("scripts/lamina"), app.resolve("lamina"));
      Files.copy(home().resolve("target/lamina.jar"), tmp.resolve("app/target/lamina.jar"));
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      run(List.of("chmod", "-R", "a+rX", tmp.resolve("app").toString()), Map.of());
      Path work = Files.createDirectories(tmp.resolve("work"));
      for (String d : List.of("l1", "l2", "u", "w", "host", "m", "d")) {
        Files.createDirectories(work.resolve(d));
      }
      Files.writeString(work.resolve("l1/top"), "top\n");
      Files.writeString(work.resolve("l2/bottom"), "bottom\n");
      Files.setPosixFilePermissions(work.resolve("d"), PosixFilePermissions.fromString("rwx------"));
      run(List.of("chown", "-R", user + ":", work.toString()), Map.of()); // group too: the namespace maps it
      Map<String, String> env = Map.of("L", app.resolve("lamina").toString(), "LAMINA_DAEMON_DIR",
          work.resolve("d").toString(), "LAMINA_DAEMON", "shared", "LAMINA_DAEMON_IDLE", "60");
      String dirs = "-o lowerdir=" + work.resolve("l1") + ":" + work.resolve("l2") + ",upperdir=" + work.resolve("u")
          + ",workdir=" + work.resolve("w");
      List<String> hostMount = new ArrayList<>(as);
      hostMount.addAll(List.of("sh", "-c", "\"$L\" mount -o lowerdir=" + work.resolve("l2") + " " + work.resolve("host")
          + " && \"$L\" daemon status"));
      Result r = run(hostMount, env);
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      Matcher pm = PID.matcher(r.out());
      assertThat(pm.find()).as(r.out()).isTrue();
      long pid = Long.parseLong(pm.group(1));
      mounts.add(work.resolve("host"));

      Path m = work.resolve("m");
      List<String> cmd = new ArrayList<>(as);
      cmd.addAll(List.of("unshare", "-Urm", "sh", "-c", "set -e; \"$L\" mount " + dirs + " " + m + "; id -u;"
          + " stat -c 'owner %u' " + m + "/top; echo new > " + m + "/new; stat -c 'new %u' " + m + "/new;"
          + " \"$L\" daemon status; umount " + m + "; echo unmounted"));
      r = run(cmd, env);
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).as("served by the user's one daemon, showing the namespace's ids")
          .contains("pid:            " + pid, "mounts:         2", "mnt:[", "owner 0", "new 0", "unmounted");
      assertThat((Integer) Files.getAttribute(work.resolve("u/new"), "unix:uid")).as("on disk: the user's uid")
          .isEqualTo(uid);
      assertThat(Files.readString(work.resolve("u/new"))).isEqualTo("new\n");
      List<String> status = new ArrayList<>(as);
      status.addAll(List.of("sh", "-c", "\"$L\" daemon status"));
      for (int i = 0; i < 300 && !run(status, env).out().contains("mounts:         1\n"); i++) {
        Thread.sleep(100);
      }
      assertThat(run(status, env).out()).contains("pid:            " + pid, "mounts:         1\n");
      List<String> stop = new ArrayList<>(as);
      stop.addAll(List.of("sh", "-c", "\"$L\" daemon stop"));
      run(stop, env);
    } finally {
      run(List.of("chmod", fuseMode, devFuse.toString()), Map.of());
      if (created) {
        removeTestUser();
      }
    }
  }

  @Test
  void anotherUserIsRefused() throws Exception {
    String user = TEST_USER;
    boolean created = addTestUser();
    try {
      lowers();
      mount("a", "lowerdir=l1:l2");
      long pid = daemonPid();
      // a copy of the launcher and jar the user can read
      Path app = Files.createDirectories(tmp.resolve("app/scripts"));
      Files.createDirectories(tmp.resolve("app/target"));
      Files.copy(home().resolve("scripts/lamina"), app.resolve("lamina"));
      Files.copy(home().resolve("target/lamina.jar"), tmp.resolve("app/target/lamina.jar"));
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      run(List.of("chmod", "-R", "a+rX", tmp.resolve("app").toString()), Map.of());
      List<String> as = List.of("runuser", "-u", user, "--", app.resolve("lamina").toString());

      // the daemon's own directory: not the user's, refused before connecting
      List<String> status = new ArrayList<>(as);
      status.addAll(List.of("daemon", "status"));
      Result r = run(status, Map.of("LAMINA_DAEMON_DIR", daemonDir.toString()));
      assertThat(r.code()).isNotZero();
      assertThat(r.out() + r.err()).contains("belongs to uid 0, not to you");

      // a socket opened up by mistake (and reached through a dir of the user's own, as the socket of the build of
      // the user's copy of the jar): SO_PEERCRED refuses
      Files.setPosixFilePermissions(daemonDir, PosixFilePermissions.fromString("rwx--x--x"));
      Files.setPosixFilePermissions(build().home(), PosixFilePermissions.fromString("rwx--x--x"));
      Files.setPosixFilePermissions(build().socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
      Path theirs = Files.createDirectories(tmp.resolve("theirs"));
      DaemonPaths theirBuild = new DaemonPaths(theirs, BuildId.of(tmp.resolve("app/target/lamina.jar").toString()));
      for (Path d : List.of(theirs, theirBuild.home())) {
        Files.createDirectories(d);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
      }
      Files.createSymbolicLink(theirBuild.socket(), build().socket());
      run(List.of("chown", "-R", user, theirs.toString()), Map.of());
      Path mnt = Files.createDirectories(tmp.resolve("theirmnt"));
      run(List.of("chown", user, mnt.toString()), Map.of());
      List<String> mountCmd = new ArrayList<>(as);
      mountCmd.addAll(List.of("mount", "-o", "daemon=shared,lowerdir=" + tmp.resolve("l1"), mnt.toString()));
      Map<String, String> env = Map.of("LAMINA_DAEMON_DIR", theirs.toString(), "LAMINA_DAEMON_IDLE", "1");
      // a user who could mount (else the client stops at /dev/fuse, before it asks any daemon)
      try (DevFuseOpen open = DevFuseOpen.toEveryone()) {
        r = run(mountCmd, env);
      }
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).contains("serves user root only");
      assertThat(isMountPoint(mnt)).isFalse();
      r = run(status, env);
      assertThat(r.err()).as(r.out()).contains("serves user root only");
      Result open = lamina(List.of("daemon", "status"), Map.of());
      assertThat(open.err()).as("our own client refuses a daemon dir open to others").contains("open to others");
      Files.setPosixFilePermissions(daemonDir, PosixFilePermissions.fromString("rwx------"));
      Files.setPosixFilePermissions(build().home(), PosixFilePermissions.fromString("rwx------"));
      String ours = lamina(List.of("daemon", "status"), Map.of()).out();
      assertThat(ours).contains("pid:            " + pid, "refused peers: 2", "mounts:         1");
    } finally {
      if (created) {
        removeTestUser();
      }
    }
  }

  /**
   * After the daemon {@code deadPid} died: the next mount starts a fresh daemon, which unmounts the dead mounts
   * {@code a} and {@code b} (waits at most 30 s: a bound for failures, not a timing), and the new mount serves.
   */
  private void nextMountClearsTheDeadOnes(long deadPid, Path a, Path b) throws Exception {
    Path next = mount("next", "lowerdir=l2");
    assertThat(daemonPid()).isNotEqualTo(deadPid);
    for (int i = 0; i < 300 && (isMountPoint(a) || isMountPoint(b)); i++) {
      Thread.sleep(100);
    }
    assertThat(isMountPoint(a)).as("the fresh daemon cleared the dead mount").isFalse();
    assertThat(isMountPoint(b)).isFalse();
    assertThat(Files.readString(next.resolve("bottom"))).isEqualTo("bottom\n");
  }
}
