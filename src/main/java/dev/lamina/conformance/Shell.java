package dev.lamina.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host commands (mount, cp, python3) with a timeout and returns their exit status and output. */
public final class Shell {

  /** The outcome of one command: exit status, stdout and stderr as text. */
  public record Result(int exit, String out, String err) {
    public boolean ok() {
      return exit == 0;
    }
  }

  private Shell() {}

  public static Result run(Duration timeout, String stdin, List<String> command) throws IOException {
    return run(new ProcessBuilder(command), timeout, stdin);
  }

  /**
   * Runs the command {@code pb} describes (with its directory, environment and input; its output and error go to
   * temp files), gives it {@code stdin} where its input is a pipe (null: none), and kills it and its descendants
   * after {@code timeout}.
   */
  public static Result run(ProcessBuilder pb, Duration timeout, String stdin) throws IOException {
    List<String> command = pb.command();
    Path out = Files.createTempFile("difftest-out", ".txt");
    Path err = Files.createTempFile("difftest-err", ".txt");
    try {
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      Process p = pb.start();
      try (var in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      boolean done;
      try {
        done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = false;
      }
      if (!done) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IOException("timed out after " + timeout + ": " + String.join(" ", command)
            + "\nstderr: " + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  public static Result run(String... command) throws IOException {
    return run(Duration.ofSeconds(60), null, List.of(command));
  }

  /** Runs a command and fails with its stderr when it exits non-zero. */
  public static String check(String... command) throws IOException {
    Result r = run(command);
    if (!r.ok()) {
      throw new IOException("command failed (exit " + r.exit() + "): " + String.join(" ", command)
          + "\n" + r.err().strip());
    }
    return r.out();
  }

  public static boolean isRoot() {
    try {
      return run("id", "-u").out().strip().equals("0");
    } catch (IOException e) {
      return false;
    }
  }

  public static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
  }

  public static List<String> concat(List<String> a, String... b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(List.of(b));
    return all;
  }
}
