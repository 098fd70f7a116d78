package dev.lamina.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An unprivileged user for the run ITs (CI runs as root; lamina run is meant for ordinary users). Created on
 * first use with useradd; {@link #withRange} users get a subordinate id range, {@link #withoutRange} users have
 * theirs removed, so both mappings are exercised.
 */
record TestUser(String name, long uid, long gid, Optional<SubIds.Range> range) {

  static final Path SUBUID = Path.of("/etc/subuid");
  static final Path SUBGID = Path.of("/etc/subgid");

  /** Whether users can be created here (root, useradd, runuser). */
  static boolean available() {
    return "root".equals(System.getProperty("user.name"))
        && Files.isExecutable(Path.of("/usr/sbin/useradd"))
        && HostTools.which("runuser").isPresent()
        && HostTools.which("unshare").isPresent()
        && HostTools.which("setpriv").isPresent();
  }

  static TestUser withRange(String name) throws Exception {
    ensure(name);
    if (find(name).range().isEmpty()) {
      // useradd adds a range only when SUB_UID_* allow it; pick a free block far above the usual ones
      long start = 700_000_000L + (Math.abs(name.hashCode()) % 1000) * 65536L;
      sh("usermod", "--add-subuids", start + "-" + (start + 65535), "--add-subgids",
          start + "-" + (start + 65535), name);
    }
    return find(name);
  }

  static TestUser withoutRange(String name) throws Exception {
    ensure(name);
    TestUser u = find(name);
    if (u.range().isPresent()) {
      long s = u.range().get().start();
      long e = s + u.range().get().count() - 1;
      sh("usermod", "--del-subuids", s + "-" + e, "--del-subgids", s + "-" + e, name);
    }
    return find(name);
  }

  private static void ensure(String name) throws Exception {
    if (exec(List.of("id", "-u", name), 10).code() != 0) {
      sh("useradd", "--create-home", "--shell", "/bin/sh", name);
    }
  }

  private static TestUser find(String name) throws Exception {
    long uid = Long.parseLong(exec(List.of("id", "-u", name), 10).out().trim());
    long gid = Long.parseLong(exec(List.of("id", "-g", name), 10).out().trim());
    Optional<SubIds.Range> r = SubIds.find(SUBUID, name, uid);
    Optional<SubIds.Range> g = SubIds.find(SUBGID, name, uid);
    return new TestUser(name, uid, gid, r.isPresent() && g.isPresent() ? r : Optional.empty());
  }

  private static void sh(String... cmd) throws Exception {
    Result r = exec(List.of(cmd), 60);
    if (r.code() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.out() + r.err());
    }
  }

  /** Output of a finished process. */
  record Result(int code, String out, String err) {}

  /** Runs {@code cmd} as this user with a clean environment, stdin from {@code stdin}; kills it on timeout. */
  Result run(List<String> cmd, String stdin, int timeoutSeconds) throws Exception {
    return run(cmd, stdin, timeoutSeconds, java.util.Map.of());
  }

  /** As {@link #run(List, String, int)}, with extra environment variables (LAMINA_ROOT, ...). */
  Result run(List<String> cmd, String stdin, int timeoutSeconds, java.util.Map<String, String> env)
      throws Exception {
    List<String> full = new ArrayList<>(List.of("runuser", "-u", name, "--", "env", "-i"));
    full.add("PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    full.add("HOME=/home/" + name);
    full.add("USER=" + name);
    full.add("LANG=C.UTF-8");
    String javaHome = System.getProperty("java.home");
    full.add("JAVA_HOME=" + javaHome);
    full.add("LAMINA_JAVA_OPTS=-Xmx256m -XX:TieredStopAtLevel=1");
    // the run's own shared daemons (pom.xml), not the user's everyday one
    // and LAMINA_DAEMON=private, to run a class's tests with a JVM per mount
    for (String k : List.of("LAMINA_DAEMON_DIR", "LAMINA_DAEMON_IDLE", "LAMINA_DAEMON")) {
      if (System.getenv(k) != null) {
        full.add(k + "=" + System.getenv(k));
      }
    }
    env.forEach((k, v) -> full.add(k + "=" + v));
    full.addAll(cmd);
    return exec(full, stdin, timeoutSeconds);
  }

  static Result exec(List<String> cmd, int timeoutSeconds) throws Exception {
    return exec(cmd, null, timeoutSeconds);
  }

  static Result exec(List<String> cmd, String stdin, int timeoutSeconds) throws Exception {
    Path out = Files.createTempFile("run-it-out", ".txt");
    Path err = Files.createTempFile("run-it-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      }
      Process p = pb.start();
      if (stdin != null) {
        try (var w = p.getOutputStream()) {
          w.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // the command may exit without reading
        }
      }
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(String.join(" ", cmd) + " timed out after " + timeoutSeconds + " s; "
            + Files.readString(out) + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Processes this user still has (pgrep), one per line; empty when none. */
  String leftoverProcesses() throws Exception {
    Result r = exec(List.of("pgrep", "-a", "-u", Long.toString(uid)), 10);
    return r.out().lines()
        .filter(l -> !l.contains("<defunct>"))
        .reduce("", (a, b) -> a + b + "\n");
  }

  /** {@link #leftoverProcesses()} after giving exiting processes (a mount daemon after its unmount) time to go. */
  String leftoverProcessesAfter(int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String left = leftoverProcesses();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      left = leftoverProcesses();
    }
    return left;
  }
}
