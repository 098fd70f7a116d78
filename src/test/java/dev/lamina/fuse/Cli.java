package dev.lamina.fuse;

import dev.lamina.testing.Launcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs the real {@code scripts/lamina} launcher (or another command) for integration tests. */
final class Cli {
  /** What a command did: exit code, its output, and how long it took. */
  record Result(int exit, String out, String err, long millis) {
    @Override
    public String toString() {
      return "exit " + exit + " after " + millis + " ms\nstdout: " + out + "\nstderr: " + err;
    }
  }

  private Cli() {}

  static Path home() {
    return Launcher.home();
  }

  static Path launcher() {
    return home().resolve("scripts/lamina");
  }

  static Result run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
    return run(cmd, timeout, Map.of());
  }

  static Result run(List<String> cmd, Duration timeout, Map<String, String> env)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("fuse-cli-", ".out");
    Path err = Files.createTempFile("fuse-cli-", ".err");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().putAll(env);
      long t0 = System.nanoTime();
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(cmd + " did not finish within " + timeout);
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      return new Result(
          p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8), ms);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** The environment of a mount served by a JVM of its own ({@code daemon=private}). */
  static Map<String, String> privateDaemon() {
    return Map.of("LAMINA_DAEMON", "private");
  }

  /**
   * The environment of a mount served by the shared daemon of {@code dir} (the test's own, never the run's or the
   * machine's), which exits 1 s after its last mount.
   */
  static Map<String, String> sharedDaemon(Path dir) {
    return Map.of("LAMINA_DAEMON", "shared", "LAMINA_DAEMON_DIR", dir.toString(), "LAMINA_DAEMON_IDLE", "1");
  }

  /** {@code lamina daemon status} of the shared daemon of {@code dir}. */
  static String daemonStatus(Path dir) throws IOException, InterruptedException {
    Result r = run(List.of(launcher().toString(), "daemon", "status"), Duration.ofSeconds(60), sharedDaemon(dir));
    return r.out() + r.err();
  }

  /** The pid of the shared daemon of {@code dir}, from its status. */
  static long sharedDaemonPid(Path dir) throws IOException, InterruptedException {
    String status = daemonStatus(dir);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^pid:\\s+(\\d+)").matcher(status);
    if (!m.find()) {
      throw new AssertionError("no daemon runs for " + dir + ": " + status);
    }
    return Long.parseLong(m.group(1));
  }

  /**
   * After the last unmount: the shared daemon of {@code dir} ({@code pid}) lets go of every mount and exits after
   * its idle time, removing its socket (waits at most 60 s: a bound for failures, not a timing).
   */
  static void awaitSharedDaemonExit(Path dir, long pid) throws Exception {
    ProcessHandle.of(pid).ifPresent(h -> {
      try {
        h.onExit().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("the shared daemon " + pid + " did not exit after its last mount", e);
      }
    });
    try (Stream<Path> builds = Files.list(dir)) { // a directory per lamina build (DaemonPaths)
      for (Path b : builds.toList()) {
        if (Files.exists(b.resolve("daemon.sock"))) {
          throw new AssertionError("the idle daemon left its socket " + b.resolve("daemon.sock"));
        }
      }
    }
  }

  /** The pid of the lamina daemon serving {@code mnt}: a java process with "mount" and mnt in argv. */
  static Optional<Long> daemonPid(Path mnt) throws IOException {
    String target = mnt.toAbsolutePath().toString();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(
              p -> {
                try {
                  List<String> argv =
                      List.of(Files.readString(p.resolve("cmdline")).split("\0"));
                  return argv.contains("dev.lamina.cli.Main") && argv.contains(target);
                } catch (IOException | RuntimeException e) {
                  return false;
                }
              })
          .map(p -> Long.parseLong(p.getFileName().toString()))
          .findFirst();
    }
  }
}
