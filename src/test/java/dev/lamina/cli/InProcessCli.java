package dev.lamina.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Runs lamina's command line in the test JVM with stdout and stderr captured. picocli binds System.out and
 * System.err when a command starts, so they are swapped around each run; runs are serialized for that reason.
 */
final class InProcessCli {
  /** Exit code and the two outputs of one run. */
  record Result(int code, String out, String err) {}

  private InProcessCli() {}

  static synchronized Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      System.out.flush();
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** {@link #run} with {@code --root store} after the arguments. */
  static Result inStore(Path store, String... args) {
    String[] all = Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--root";
    all[args.length + 1] = store.toString();
    return run(all);
  }
}
