package dev.lamina.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one host command (podman, buildah, skopeo, sh) with a timeout, an environment and a working dir. */
final class Run {
  /** What a command did. */
  record Result(List<String> cmd, int exit, String out, String err) {
    boolean ok() {
      return exit == 0;
    }

    /** The output, failing with the command, its status and stderr when it did not exit 0. */
    String check() {
      if (exit != 0) {
        throw new AssertionError(this.toString());
      }
      return out;
    }

    @Override
    public String toString() {
      return String.join(" ", cmd) + "\nexit " + exit + "\nstdout: " + out + "\nstderr: " + err;
    }
  }

  private Run() {}

  static Result run(List<String> cmd, Map<String, String> env, Path dir, Duration timeout) throws IOException {
    Path out = Files.createTempFile("engine-out", ".txt");
    Path err = Files.createTempFile("engine-err", ".txt");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .directory(dir == null ? null : dir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
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
        throw new IOException("timed out after " + timeout + ": " + String.join(" ", cmd)
            + "\nstderr: " + Files.readString(err, StandardCharsets.UTF_8));
      }
      return new Result(cmd, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static Result run(String... cmd) throws IOException {
    return run(List.of(cmd), Map.of(), null, Duration.ofSeconds(60));
  }
}
