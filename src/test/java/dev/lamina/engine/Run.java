package dev.lamina.engine;

import dev.lamina.conformance.Shell;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir == null ? null : dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    Shell.Result r = Shell.run(pb, timeout, null);
    return new Result(cmd, r.exit(), r.out(), r.err());
  }

  static Result run(String... cmd) throws IOException {
    return run(List.of(cmd), Map.of(), null, Duration.ofSeconds(60));
  }
}
