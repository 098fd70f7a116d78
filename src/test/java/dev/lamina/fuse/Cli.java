package dev.lamina.fuse;

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
    return Path.of(System.getProperty("lamina.home", ".")).toAbsolutePath().normalize();
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
