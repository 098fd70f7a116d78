package dev.lamina.daemon;

import dev.lamina.fuse.BackgroundMount;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Talks to the user's daemon: sends one request and returns the reply, starting the daemon first when none
 * answers ({@code setsid java ... lamina daemon run}, its output appended to {@code daemon.log}). Loads no logging
 * and no picocli, so that {@code lamina mount} through a warm daemon costs little more than a JVM start.
 */
public final class DaemonClient {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private DaemonClient() {}

  /**
   * Sends {@code op} with {@code args}; when no daemon answers and {@code start}, starts one and sends again (also
   * when a daemon closed the connection unanswered because it was exiting for idleness at that moment).
   *
   * @return the reply, or null when no daemon runs and {@code start} is false
   */
  public static DaemonServer.Reply request(String op, List<String> args, boolean start) throws IOException {
    return request(DaemonPaths.forCurrentUser(), op, args, start);
  }

  /** {@link #request(String, List, boolean)} to the daemon of {@code paths}. */
  public static DaemonServer.Reply request(DaemonPaths paths, String op, List<String> args, boolean start)
      throws IOException {
    if (start) {
      paths.ensureDir();
    } else if (!Files.isDirectory(paths.dir())) {
      return null;
    } else {
      paths.checkDir();
    }
    List<String> rq = new ArrayList<>(List.of(op, Path.of("").toAbsolutePath().toString(), Namespaces.mount(),
        Namespaces.user()));
    rq.addAll(args);
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try (SocketChannel ch = connect(paths)) {
        if (ch != null) {
          Frames.write(Channels.newOutputStream(ch), rq);
          List<String> r = Frames.read(Channels.newInputStream(ch));
          return new DaemonServer.Reply(Integer.parseInt(r.get(0)), r.size() > 1 ? r.get(1) : "");
        }
      } catch (IOException e) {
        last = e; // the daemon went away meanwhile (idle exit, or killed): try a fresh one
      }
      if (!start) {
        return null;
      }
      startDaemon(paths);
    }
    throw new IOException("the lamina daemon on " + paths.socket() + " did not answer: " + last
        + "; see " + paths.log());
  }

  /** Whether a daemon accepts connections on the directory's socket now. */
  static boolean answers(DaemonPaths paths) {
    try (SocketChannel ch = connect(paths)) {
      return ch != null;
    } catch (IOException e) {
      return false;
    }
  }

  /** A connection, or null when no daemon listens (no socket, or one that a dead daemon left). */
  private static SocketChannel connect(DaemonPaths paths) throws IOException {
    if (!Files.exists(paths.socket())) {
      return null;
    }
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(paths.socket()));
      return ch;
    } catch (IOException e) {
      ch.close();
      return null;
    }
  }

  /** Starts a daemon in its own session and waits until its socket answers. */
  static void startDaemon(DaemonPaths paths) throws IOException {
    List<String> cmd = new ArrayList<>(BackgroundMount.childCommand(List.of("daemon", "run")));
    if (System.getenv("LAMINA_DAEMON_JAVA_OPTS") == null) {
      // a long-lived process whose heap follows its mounts: give back what a busy spell grew, once collected; and
      // start small (-Xms8m), not at the default 1/64 of RAM, whose large young generation a busy mount fills with
      // garbage, so touching it all before the first collection (scripts/bench-soak: 142 MiB RSS after a pass
      // against 66 MiB with -Xms8m). The young generation stays at most 16 MiB: by default it is a third of the
      // heap, which grows with the mounts' node tables, and all of it becomes resident as requests' garbage
      // passes through (scripts/bench-density, 50 mounts: 535 MiB PSS, 432 MiB with this cap)
      cmd.addAll(1 + cmd.indexOf(cmd.stream().filter(c -> c.endsWith("/java")).findFirst().orElse("")),
          List.of("-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-Xms8m", "-XX:MaxNewSize=16m"));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .directory(new File("/"))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.log().toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(paths.log().toFile()));
    // glibc's malloc keeps an arena per busy thread; many mounts mean many worker threads
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    pb.environment().put("LAMINA_DAEMON_DIR", paths.dir().toString()); // a user namespace's daemon: its own dir
    long logStart = Files.exists(paths.log()) ? Files.size(paths.log()) : 0;
    Process p = pb.start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (answers(paths)) {
        return;
      }
      if (!p.isAlive() && p.exitValue() != 0) {
        throw new IOException("the lamina daemon did not start (exit " + p.exitValue() + "): "
            + tail(paths.log(), logStart));
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting the lamina daemon", e);
      }
    }
    throw new IOException("the lamina daemon did not answer on " + paths.socket() + " within " + START_TIMEOUT
        + "; see " + paths.log());
  }

  private static String tail(Path log, long from) {
    try {
      byte[] all = Files.readAllBytes(log);
      int start = (int) Math.min(from, all.length);
      return new String(all, start, all.length - start, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
