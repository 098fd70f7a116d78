package dev.lamina.fuse;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts the filesystem in the background the way a daemon should: a child JVM running the same jar in
 * foreground mode, in its own session ({@code setsid}, so the terminal's signals do not reach it), stdin
 * from /dev/null. The parent returns only when the child reports the mount live on its stdout, or relays
 * the child's error output and exit code.
 */
public final class BackgroundMount {
  /** The line a foreground mount started with {@code --ready-notify} prints once the mount is live. */
  public static final String READY = "READY";

  private BackgroundMount() {}

  /** The JVM command line that re-runs our main class with {@code args}. */
  public static List<String> childCommand(List<String> args) {
    List<String> cmd = new ArrayList<>();
    if (new File("/usr/bin/setsid").canExecute()) {
      cmd.add("/usr/bin/setsid");
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String opts = System.getenv("LAMINA_DAEMON_JAVA_OPTS");
    if (opts != null && !opts.isBlank()) {
      cmd.addAll(List.of(opts.trim().split("\\s+")));
    } else {
      // A serial GC: the daemon's heap is small and the machines it runs on often have 2 cores. C1 only:
      // C2's compilations cost the daemon more CPU than they return; and C1 early (see scripts/lamina).
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add("-XX:CompileThresholdScaling=0.2");
    }
    String cds = System.getProperty("lamina.cds");
    if (cds != null && new File(cds).isFile()) {
      cmd.add("-XX:SharedArchiveFile=" + cds);
      cmd.add("-Xshare:auto");
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.lamina.cli.Main");
    cmd.addAll(args);
    return cmd;
  }

  /**
   * Runs the child and waits for readiness.
   *
   * @param log where the daemon's stderr goes for its whole life; null: relayed until ready, then dropped
   * @return 0 when the mount is live; otherwise the child's exit code (its messages went to {@code err})
   */
  public static int start(List<String> args, Path log, Duration timeout, PrintWriter err)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(childCommand(args))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    if (log != null) {
      pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }
    Process child = pb.start();
    long logStart = log != null && Files.exists(log) ? Files.size(log) : 0;
    CompletableFuture<String> errText = new CompletableFuture<>();
    if (log == null) {
      Thread relay = new Thread(() -> errText.complete(drain(child)), "lamina-child-stderr");
      relay.setDaemon(true);
      relay.start();
    }
    CompletableFuture<Boolean> ready = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  if (line.equals(READY)) {
                    ready.complete(true);
                    return;
                  }
                }
                ready.complete(false);
              } catch (IOException e) {
                ready.complete(false);
              }
            },
            "lamina-child-ready");
    reader.setDaemon(true);
    reader.start();
    boolean live;
    try {
      live = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      child.destroyForcibly();
      err.println("lamina: the filesystem did not become ready within " + timeout + "; stopped it");
      live = false;
    } catch (java.util.concurrent.ExecutionException e) {
      live = false;
    }
    if (live) {
      return 0;
    }
    err.flush();
    int code = child.waitFor(5, TimeUnit.SECONDS) ? child.exitValue() : 1;
    if (log == null) {
      try {
        err.print(errText.get(2, TimeUnit.SECONDS));
      } catch (Exception e) {
        // nothing more to relay
      }
    } else if (Files.exists(log)) {
      byte[] all = Files.readAllBytes(log);
      err.print(new String(all, (int) Math.min(logStart, all.length),
          (int) Math.max(0, all.length - logStart), StandardCharsets.UTF_8));
    }
    err.flush();
    return code == 0 ? 1 : code;
  }

  private static String drain(Process child) {
    try {
      return new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
