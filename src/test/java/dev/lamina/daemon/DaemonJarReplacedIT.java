package dev.lamina.daemon;

import dev.lamina.testing.Launcher;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.testing.HostStateLock;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shared daemon whose jar is overwritten in place while it runs (as {@code mvn package} does to
 * target/lamina.jar: maven's jar plugin rewrites the file, same inode, before the shade plugin renames it), here a
 * copy of the launcher and jar in the test's directory, rewritten with every entry at another offset. Before
 * 2026-12-07 the daemon's next class load failed: reads on its mount hung for good (a worker thread died),
 * {@code daemon status} said no daemon runs, {@code daemon stop} left it running, and a mount with new options
 * failed. Now the daemon runs from a private copy, and a client of the new build gets a daemon of its own.
 */
@ExtendWith(HostStateLock.class)
class DaemonJarReplacedIT {
  private static final Pattern PID = Pattern.compile("(?m)^pid:\\s+(\\d+)");

  @TempDir Path tmp;
  private Path launcher;
  private final Set<Long> daemons = new LinkedHashSet<>();
  private final List<Path> mounts = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    Launcher.assumeCanMount();
    Path jar = DaemonIT.home().resolve("target/lamina.jar");
    Files.createDirectories(tmp.resolve("app/scripts"));
    Files.createDirectories(tmp.resolve("app/target"));
    launcher = Files.copy(DaemonIT.home().resolve("scripts/lamina"), tmp.resolve("app/scripts/lamina"));
    Files.copy(jar, tmp.resolve("app/target/lamina.jar"));
    for (String d : List.of("l1", "l2", "u", "w", "a", "b", "c")) {
      Files.createDirectories(tmp.resolve(d));
    }
    Files.writeString(tmp.resolve("l1/top"), "top\n");
    Files.writeString(tmp.resolve("l2/bottom"), "bottom\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (launcher == null) {
      return; // skipped
    }
    run(List.of(launcher.toString(), "daemon", "stop"));
    for (long pid : daemons) { // a daemon that stop did not reach (the bug this tests)
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (Path m : mounts) {
      DaemonIT.unmount(m);
    }
  }

  @Test
  void aJarOverwrittenUnderARunningDaemon_itsMountsServe_statusAndStopReachIt_andNewMountsGetADaemonOfTheNewBuild()
      throws Exception {
    DaemonIT.Result r = run(List.of(launcher.toString(), "mount", "-o", "lowerdir=l1:l2,upperdir=u,workdir=w", "a"));
    assertThat(r.code()).as(r.err()).isZero();
    mounts.add(tmp.resolve("a"));
    r = run(List.of(launcher.toString(), "mount", "-o", "lowerdir=l2", "c"));
    assertThat(r.code()).as(r.err()).isZero();
    mounts.add(tmp.resolve("c"));
    assertThat(Files.readString(tmp.resolve("a/top"))).isEqualTo("top\n");
    long old = pids(status()).get(0);
    daemons.add(old);

    Path jar = tmp.resolve("app/target/lamina.jar");
    Object inode = Files.getAttribute(jar, "unix:ino");
    rewriteInPlace(jar);
    assertThat(Files.getAttribute(jar, "unix:ino")).as("the same file, rewritten").isEqualTo(inode);

    // the old daemon's mount, through requests it has not served yet (bounded: before the fix they hung)
    r = run(List.of("timeout", "-s", "KILL", "30", "sh", "-c", "cat a/top a/bottom && mkdir a/d && echo x > a/d/f"
        + " && mv a/d/f a/d/g && ln -s d/g a/s && ln a/d/g a/h && chmod 600 a/h && truncate -s 1 a/top"
        + " && rm -r a/d && ls -la a"));
    assertThat(r.code()).as("the old daemon's mount serves: " + r.err()).isZero();
    assertThat(r.out()).contains("top\nbottom\n", " s -> d/g");

    String status = status();
    assertThat(status).as("status of the new build reaches the old daemon")
        .contains("A daemon of another lamina build", tmp.resolve("a").toString(), tmp.resolve("c").toString());
    assertThat(pids(status)).containsExactly(old);

    // a mount of the new build, with other options and in the form of podman's mount_program
    r = run(List.of(launcher.toString(), "-o", "lowerdir=l1,ro", tmp.resolve("b").toString()));
    assertThat(r.code()).as(r.err()).isZero();
    mounts.add(tmp.resolve("b"));
    assertThat(Files.readString(tmp.resolve("b/top"))).isEqualTo("top\n");
    List<Long> both = pids(status());
    assertThat(both).as("this build's daemon first, then the old one").hasSize(2).endsWith(old);
    long fresh = both.get(0);
    daemons.add(fresh);
    assertThat(DaemonIT.fuseFds(fresh)).as("the new daemon serves the new mount only").isEqualTo(1);
    assertThat(DaemonIT.fuseFds(old)).as("the old one keeps its two").isEqualTo(2);

    DaemonIT.fusermountU(tmp.resolve("c"));
    // the old daemon learns of the unmount when the kernel ends c's connection, after fusermount has returned, and
    // only once no mount namespace holds c (one another test run's container made meanwhile keeps a copy until it
    // ends): wait for it (bounded; under two test runs at once `stop` found c still served)
    long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
    while (DaemonIT.fuseFds(old) > 1 && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertThat(Files.readString(tmp.resolve("a/bottom"))).as("the old daemon still serves a").isEqualTo("bottom\n");

    r = run(List.of(launcher.toString(), "daemon", "stop"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("stopped the daemon (pid " + fresh + "); unmounted 1 mount(s)",
        "stopped the daemon (pid " + old + "); unmounted 1 mount(s)");
    assertThat(DaemonIT.exited(old)).as("stop returns once each daemon has exited").isTrue();
    assertThat(DaemonIT.exited(fresh)).isTrue();
    assertThat(DaemonIT.isMountPoint(tmp.resolve("a"))).isFalse();
    assertThat(DaemonIT.isMountPoint(tmp.resolve("b"))).isFalse();
    try (var s = Files.list(tmp.resolve("daemon"))) {
      for (Path build : s.filter(Files::isDirectory).toList()) {
        assertThat(build.resolve("lamina.jar")).as("a daemon's copy of its jar goes with it; daemon.log:\n"
            + Files.readString(tmp.resolve("daemon/daemon.log"))).doesNotExist();
      }
    }
  }

  /**
   * The old build's daemon exits by itself once its last mount is gone (its idle period, 1 s here), and takes its
   * jar copy along, while the new build's daemon goes on serving.
   */
  @Test
  void theOldBuildsDaemonExitsOnceItsMountsAreGone_andTakesItsCopyAlong() throws Exception {
    DaemonIT.Result r = run(List.of(launcher.toString(), "mount", "-o", "lowerdir=l2", "a"),
        Map.of("LAMINA_DAEMON_IDLE", "1"));
    assertThat(r.code()).as(r.err()).isZero();
    mounts.add(tmp.resolve("a"));
    long old = pids(status()).get(0);
    daemons.add(old);
    Path oldCopy = Path.of(ProcessHandle.of(old).orElseThrow().info().arguments().map(a -> {
      List<String> l = List.of(a);
      return l.get(l.indexOf("-cp") + 1);
    }).orElseThrow());
    assertThat(oldCopy).as("the daemon runs from its copy").startsWith(tmp.resolve("daemon")).isRegularFile();

    rewriteInPlace(tmp.resolve("app/target/lamina.jar"));
    r = run(List.of(launcher.toString(), "mount", "-o", "lowerdir=l1", "b"));
    assertThat(r.code()).as(r.err()).isZero();
    mounts.add(tmp.resolve("b"));
    long fresh = pids(status()).get(0);
    daemons.add(fresh);
    assertThat(fresh).isNotEqualTo(old);

    DaemonIT.fusermountU(tmp.resolve("a"));
    ProcessHandle.of(old).ifPresent(h -> h.onExit().join());
    assertThat(oldCopy).as("the old daemon took its copy along").doesNotExist();
    assertThat(Files.readString(tmp.resolve("b/top"))).isEqualTo("top\n");
    assertThat(pids(status())).containsExactly(fresh);
  }

  /**
   * Writes every entry of {@code jar} back into the same file (truncated, not replaced), after a new first entry,
   * so that no entry stays where the running daemon's copy of the central directory says it is.
   */
  static void rewriteInPlace(Path jar) throws IOException {
    byte[] all = Files.readAllBytes(jar);
    try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(all));
        OutputStream file = Files.newOutputStream(jar);
        ZipOutputStream out = new ZipOutputStream(new java.io.BufferedOutputStream(file, 1 << 16))) {
      out.putNextEntry(new ZipEntry("lamina-test-rebuild.txt"));
      out.write("another build\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.closeEntry();
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.putNextEntry(new ZipEntry(e.getName()));
        in.transferTo(out);
        out.closeEntry();
      }
    }
  }

  private String status() throws Exception {
    DaemonIT.Result r = run(List.of(launcher.toString(), "daemon", "status"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    return r.out();
  }

  /** The pids a status names, in its order. */
  private static List<Long> pids(String status) {
    List<Long> pids = new ArrayList<>();
    Matcher m = PID.matcher(status);
    while (m.find()) {
      pids.add(Long.parseLong(m.group(1)));
    }
    return pids;
  }

  private DaemonIT.Result run(List<String> cmd) throws IOException, InterruptedException {
    return run(cmd, Map.of());
  }

  private DaemonIT.Result run(List<String> cmd, Map<String, String> extraEnv)
      throws IOException, InterruptedException {
    Map<String, String> env = new HashMap<>(Map.of("LAMINA_DAEMON", "shared",
        "LAMINA_DAEMON_DIR", tmp.resolve("daemon").toString(), "LAMINA_DAEMON_IDLE", "60"));
    env.putAll(extraEnv);
    return DaemonIT.run(tmp, cmd, env, 120);
  }
}
