package dev.lamina.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host tool for a test, with its standard output and standard error kept apart: a tool's warnings on
 * stderr (rootless podman warns about mount propagation on every call) never end up in the output a test parses.
 *
 * @param code the exit status (-1 after a timeout, when the tool was killed)
 * @param out standard output
 * @param err standard error
 */
public record Exec(int code, String out, String err) {

  /** Runs {@code cmd} in {@code dir} (null: the current directory); empty when the program cannot be started. */
  public static Optional<Exec> run(Path dir, Duration timeout, List<String> cmd)
      throws IOException, InterruptedException {
    Path errFile = Files.createTempFile("lamina-test-stderr-", ".txt");
    try {
      Process p;
      try {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(errFile.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (dir != null) {
          pb.directory(dir.toFile());
        }
        p = pb.start();
      } catch (IOException e) {
        return Optional.empty(); // not installed
      }
      byte[] out = p.getInputStream().readAllBytes();
      int code;
      if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        code = p.exitValue();
      } else {
        p.destroyForcibly().waitFor();
        code = -1;
      }
      return Optional.of(new Exec(code, new String(out, StandardCharsets.UTF_8),
          new String(Files.readAllBytes(errFile), StandardCharsets.UTF_8)));
    } finally {
      Files.deleteIfExists(errFile);
    }
  }

  /** Like {@link #run}, but a tool that fails is an IOException with its command line, status and stderr. */
  public static String output(Path dir, Duration timeout, List<String> cmd) throws IOException, InterruptedException {
    Exec r = run(dir, timeout, cmd).orElseThrow(() -> new IOException("cannot run " + cmd.get(0)));
    if (r.code != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (status " + r.code + "): " + r.err + r.out);
    }
    return r.out;
  }

  /**
   * What to print when a tool cannot be used: the line of stderr (or of stdout when stderr is empty) that starts
   * with "Error" or "error", else its last line.
   */
  public String reason() {
    List<String> lines = (err.isBlank() ? out : err).strip().lines().filter(l -> !l.isBlank()).toList();
    return lines.stream().filter(l -> l.regionMatches(true, 0, "error", 0, 5)).findFirst()
        .orElse(lines.isEmpty() ? "status " + code : lines.get(lines.size() - 1)).strip();
  }
}
