package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.testing.HostStateLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code lamina run ROOTDIR} as an unprivileged user on a busybox root directory (no image, no FUSE): the
 * namespaces, user and id mapping, env, cwd, exit codes, stdin, bind mounts, signals, and that nothing is left
 * running or mounted afterwards. Runs as root only to create the test users (see {@link TestUser}).
 */
@ExtendWith(HostStateLock.class)
class RunRootfsIT {
  private static TestUser ranged;
  private static TestUser unranged;
  private Path dir;
  private Path root;

  @BeforeAll
  static void users() throws Exception {
    assumeTrue(TestUser.available(), "needs root (to create test users), useradd, runuser, unshare, setpriv");
    assumeTrue(BusyboxRootfs.available(), "needs busybox-static");
    ranged = TestUser.withRange("lamina-run-it");
    unranged = TestUser.withoutRange("lamina-run-nr");
    assumeTrue(ranged.range().isPresent(), "could not give the test user a subordinate id range");
  }

  @BeforeEach
  void rootfs() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "run-it-");
    dir.toFile().setReadable(true, false);
    dir.toFile().setExecutable(true, false);
    root = BusyboxRootfs.create(dir.resolve("rootfs"));
    chown(root, ranged.uid(), ranged.gid());
    // as the image would have it: /home/user belongs to uid 1000, which the namespace maps to base + 999
    long hostUid1000 = ranged.range().get().start() + 999;
    Files.writeString(root.resolve("home/user/owned"), "mine\n");
    chown(root.resolve("home/user"), hostUid1000, hostUid1000);
  }

  @AfterEach
  void nothingLeft() throws Exception {
    try {
      if (ranged != null) {
        assertThat(ranged.leftoverProcesses()).as("processes left by the test user").isEmpty();
        assertThat(unranged.leftoverProcesses()).as("processes left by the test user").isEmpty();
        assertThat(TestUser.exec(List.of("pgrep", "-a", "-f", dir.toString()), 10).out())
            .as("processes still using the root").isEmpty();
        assertThat(Files.readString(Path.of("/proc/mounts"))).as("host mounts").doesNotContain(dir.toString());
      }
    } finally {
      TestUser.exec(List.of("rm", "-rf", "--one-file-system", dir.toString()), 60);
    }
  }

  private static void chown(Path p, long uid, long gid) throws Exception {
    TestUser.Result r = TestUser.exec(List.of("chown", "-R", uid + ":" + gid, p.toString()), 30);
    assertThat(r.code()).as(r.err()).isZero();
  }

  private TestUser.Result lamina(TestUser u, String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Launcher.path(u));
    cmd.add("run");
    cmd.addAll(Arrays.asList(args));
    return u.run(cmd, stdin, 120);
  }

  @Test
  void shellCommand_outputAndExitCodePassThrough() throws Exception {
    TestUser.Result r = lamina(ranged, null, root.toString(), "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 3");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.out()).isEqualTo("out\n");
    assertThat(r.err()).contains("err");
  }

  @Test
  void userEnvCwdHostname_asPlanned() throws Exception {
    TestUser.Result r =
        lamina(ranged, null, "-e", "FOO=bar", "-w", "/home/user", "-u", "user", root.toString(), "--",
            "/bin/sh", "-c", "id; pwd; echo $FOO $HOME; hostname; env | sort");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.subList(0, 4))
        .containsExactly("uid=1000(user) gid=1000(user) groups=50(staff)", "/home/user", "bar /home/user", "lamina");
    // exactly the planned environment, plus what sh itself sets (PWD, SHLVL)
    assertThat(lines.subList(4, lines.size()))
        .containsExactly("FOO=bar", "HOME=/home/user", "HOSTNAME=lamina", "PATH=" + RunPlan.DEFAULT_PATH,
            "PWD=/home/user", "SHLVL=1");
  }

  @Test
  void ownership_imageIdsShowThroughTheMap_andWritesLandMapped() throws Exception {
    TestUser.Result r =
        lamina(ranged, null, "-u", "user", root.toString(), "--", "/bin/sh", "-c",
            "stat -c '%u:%g %n' /bin/busybox /home/user /home/user/owned; echo new > /home/user/new;"
                + " cat /home/user/owned");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo("0:0 /bin/busybox\n1000:1000 /home/user\n1000:1000 /home/user/owned\nmine\n");
    long base = ranged.range().get().start();
    assertThat(Files.getAttribute(root.resolve("home/user/new"), "unix:uid")).isEqualTo((int) (base + 999));
    assertThat(Files.readString(root.resolve("home/user/new"))).isEqualTo("new\n");
  }

  @Test
  void stdin_passesThrough() throws Exception {
    TestUser.Result r = lamina(ranged, "hello\nworld\n", "-i", root.toString(), "--", "/bin/sh", "-c", "cat; wc -l");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("hello\nworld\n0\n");
    TestUser.Result closed = lamina(ranged, "not for the command\n", root.toString(), "--", "/bin/cat");
    assertThat(closed.code()).isZero();
    assertThat(closed.out()).as("without -i, stdin is /dev/null, as with docker").isEmpty();
  }

  @Test
  void namespaces_procDevSysAndPids() throws Exception {
    TestUser.Result r =
        lamina(ranged, null, root.toString(), "--", "/bin/sh", "-c",
            "tr '\\0' ' ' < /proc/1/cmdline | grep -o lamina-init; ls /dev | sort | tr '\\n' ' '; echo; ps -o pid,comm | wc -l;"
                + " touch /sys/x 2>&1; head -c 4 /dev/zero | wc -c; cat /etc/hosts");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).as("pid 1 is lamina's init").startsWith("lamina-init\n");
    assertThat(r.out())
        .contains("fd full null ptmx pts random shm stderr stdin stdout tty urandom zero");
    assertThat(r.out()).contains("Read-only file system");
    // the header, init, sh, ps and (unless ps read /proc before the shell started it) wc: the host's
    // processes are not visible
    assertThat(r.out()).containsPattern("\n[45]\n");
    assertThat(r.out()).as("the image's own /etc/hosts is kept").contains("image-hosts");
  }

  @Test
  void bindMountsAndReadOnlyRoot() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("f"), "data\n");
    chown(data, ranged.uid(), ranged.gid());
    Path rw = dir.resolve("rw");
    Files.createDirectories(rw);
    chown(rw, ranged.uid(), ranged.gid());
    TestUser.Result r =
        lamina(ranged, null, "--read-only", "-v", data + ":/mnt:ro", "-v", rw + ":/tmp", root.toString(), "--",
            "/bin/sh", "-c",
            "cat /mnt/f; touch /mnt/x 2>&1; touch /x 2>&1; echo w > /tmp/w && echo wrote");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("data\n").contains("wrote\n");
    assertThat(r.out().lines().filter(l -> l.contains("Read-only file system")).count()).isEqualTo(2);
    assertThat(Files.readString(rw.resolve("w"))).isEqualTo("w\n");
    assertThat(root.resolve("x")).doesNotExist();
  }

  @Test
  void sigterm_isForwarded_exitCodeIs128PlusSignal_nothingLeft() throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("runuser", "-u", ranged.name(), "--", "env", "-i", "PATH=/usr/bin:/bin",
            "JAVA_HOME=" + System.getProperty("java.home"),
            Launcher.path(ranged),
            "run", root.toString(), "--", "/bin/sleep", "77"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (TestUser.exec(List.of("pgrep", "-f", "^/bin/sleep 77"), 10).code() != 0) {
        assertThat(System.nanoTime()).as("sleep did not start").isLessThan(deadline);
        Thread.sleep(100);
      }
      ProcessHandle java =
          p.descendants()
              .filter(h -> h.info().command().orElse("").endsWith("java"))
              .findFirst()
              .orElseThrow();
      assertThat(TestUser.exec(List.of("kill", "-TERM", Long.toString(java.pid())), 10).code()).isZero();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(128 + 15);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  @Test
  void withoutRange_everythingIsRoot_anotherUserIsAnError_andLaminaSaysSoOnce() throws Exception {
    chown(root, unranged.uid(), unranged.gid());
    Path store = Files.createDirectory(dir.resolve("store"));
    chown(store, unranged.uid(), unranged.gid());
    Map<String, String> env = Map.of("LAMINA_ROOT", store.toString());
    TestUser.Result r = unranged.run(List.of(Launcher.path(unranged), "run", root.toString(), "--", "/bin/sh", "-c",
        "id -u; stat -c %u /home/user"), null, 120, env);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("0\n0\n");
    assertThat(r.err().split("no subordinate id range", -1)).hasSize(2);
    TestUser.Result again = unranged.run(List.of(Launcher.path(unranged), "run", root.toString(), "--", "true"),
        null, 120, env);
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.err()).as("said once").doesNotContain("subordinate");
    // a requested user is never replaced by root
    TestUser.Result u = unranged.run(List.of(Launcher.path(unranged), "run", "-u", "user", root.toString(), "--",
        "/bin/sh", "-c", "echo ran; id -u"), null, 120, env);
    assertThat(u.code()).isEqualTo(125);
    assertThat(u.out()).isEmpty();
    assertThat(u.err()).startsWith("lamina: cannot run as -u user (1000:1000): uid 1000 has no id")
        .contains("only root is mapped", "usermod --add-subuids", "-u 0").doesNotContain("lamina run:");
  }

  /**
   * Runs lamina under script(1), which gives it a pseudo-terminal as stdin, stdout and stderr. {@code exec}: a
   * shell in between would itself get the terminal's SIGINT and end with 130 after lamina.
   */
  private TestUser.Result onTerminal(String stdinScript, String laminaArgs) throws Exception {
    String lamina =
        Launcher.path(ranged);
    return ranged.run(
        List.of("sh", "-c", "(" + stdinScript + ") | script -qec \"exec " + lamina + " run " + laminaArgs + "\" /dev/null"),
        null, 120);
  }

  @Test
  void interactiveShell_onATerminal() throws Exception {
    assumeTrue(HostTools.which("script").isPresent(), "needs script(1) from util-linux");
    TestUser.Result r =
        onTerminal("sleep 3; printf 'test -t 0 && test -t 1 && echo TTY-$TERM; exit 4\\n'",
            "-it " + root + " -- /bin/sh -i");
    assertThat(r.out()).contains("TTY-xterm");
    assertThat(r.code()).isEqualTo(4);
  }

  @Test
  void ctrlC_onATerminal_reachesTheCommandOnce() throws Exception {
    assumeTrue(HostTools.which("script").isPresent(), "needs script(1) from util-linux");
    TestUser.Result r =
        onTerminal("sleep 4; printf '\\003'; sleep 2",
            "-t " + root + " -- /bin/sh -c 'trap \\\"echo INT\\\" INT; sleep 8 & wait; sleep 1; echo done'");
    assertThat(r.code()).as(r.out()).isZero();
    // the terminal delivers it; lamina and its init must not forward a second one
    assertThat(r.out().split("INT", -1)).as(r.out()).hasSize(2);
    assertThat(r.out()).contains("done");
  }
}
