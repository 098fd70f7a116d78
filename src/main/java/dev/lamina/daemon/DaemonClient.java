package dev.lamina.daemon;

import dev.lamina.fuse.BackgroundMount;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
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
    Connection c = open(paths, op, args, start);
    if (c == null) {
      return null;
    }
    c.close();
    return c.reply();
  }

  /** A request's connection, still open after its reply (a held mount's), and the reply. */
  record Connection(SocketChannel channel, DaemonServer.Reply reply) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /**
   * As {@link #request(String, List, boolean)}, but leaves the connection open after the reply (the caller closes
   * it); null when no daemon runs and {@code start} is false.
   */
  static Connection open(DaemonPaths paths, String op, List<String> args, boolean start) throws IOException {
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
      SocketChannel ch = null;
      try {
        ch = connect(paths);
        if (ch != null) {
          Frames.write(Channels.newOutputStream(ch), rq);
          List<String> r = Frames.read(Channels.newInputStream(ch));
          return new Connection(ch, new DaemonServer.Reply(Integer.parseInt(r.get(0)), r.size() > 1 ? r.get(1) : ""));
        }
      } catch (IOException e) {
        if (ch != null) {
          ch.close();
        }
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

  /**
   * Asks the user's daemons to stop, this build's and those of other builds that still serve mounts (each unmounts
   * every mount it serves), and returns once their processes have ended (30 s at most each), so that every mount
   * they served is unmounted, or answers ENOTCONN, when this returns; null when no daemon runs.
   */
  public static DaemonServer.Reply stop() throws IOException {
    return forEachDaemon(DaemonClient::stop, "");
  }

  /**
   * The status of the user's daemons: this build's first, then each of another build (which serves the mounts it
   * has until they are unmounted, then exits), introduced as such; null when no daemon runs.
   */
  public static DaemonServer.Reply status() throws IOException {
    return forEachDaemon(p -> request(p, "status", List.of(), false), " It serves its mounts until they are"
        + " unmounted, then exits; new mounts go to a daemon of this command's build.");
  }

  private interface DaemonRequest {
    DaemonServer.Reply send(DaemonPaths paths) throws IOException;
  }

  /** The replies of every daemon of the user's directory that answers, joined; null when none answers. */
  private static DaemonServer.Reply forEachDaemon(DaemonRequest rq, String aboutOthers) throws IOException {
    DaemonPaths me = DaemonPaths.forCurrentUser();
    StringBuilder text = new StringBuilder();
    int code = -1;
    for (DaemonPaths p : me.all()) {
      DaemonServer.Reply r = rq.send(p);
      if (r == null) {
        continue;
      }
      if (!p.equals(me)) {
        text.append(text.isEmpty() ? "" : "\n").append("A daemon of another lamina build (")
            .append(p.build() == null ? "an older lamina" : p.build()).append("; this command's is ")
            .append(me.build()).append(").").append(aboutOthers).append('\n');
      } else if (!text.isEmpty()) {
        text.append('\n');
      }
      text.append(r.err());
      code = Math.max(code, r.code());
    }
    return code < 0 ? null : new DaemonServer.Reply(code, text.toString());
  }

  /** Stops the daemon of {@code paths}; null when none runs there. */
  private static DaemonServer.Reply stop(DaemonPaths paths) throws IOException {
    DaemonServer.Reply status = request(paths, "status", List.of(), false);
    if (status == null) {
      return null;
    }
    java.util.regex.Matcher pid = java.util.regex.Pattern.compile("(?m)^pid:\\s+(\\d+)").matcher(status.err());
    DaemonServer.Reply r = request(paths, "stop", List.of(), false);
    if (r != null && r.code() == 0 && pid.find()) {
      awaitExit(Long.parseLong(pid.group(1)));
      removeCopy(paths);
    }
    return r;
  }

  /**
   * Removes the build's jar copy when no daemon of the build runs (its lock is free). A daemon removes its copy as
   * it exits; this makes sure of it after a stop, whatever the daemon's exit went through.
   */
  private static void removeCopy(DaemonPaths paths) throws IOException {
    if (paths.build() == null || !Files.exists(paths.lock())) {
      return;
    }
    try (FileChannel ch = FileChannel.open(paths.lock(), StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l != null) {
        Files.deleteIfExists(paths.jar());
      }
    }
  }

  /** Waits until {@code pid} is gone or a zombie (its descriptors, /dev/fuse ones too, are closed by then). */
  private static void awaitExit(long pid) throws IOException {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (Files.readAllLines(status).stream().anyMatch(l -> l.startsWith("State:") && l.contains("Z"))) {
          return;
        }
      } catch (IOException e) {
        return; // gone
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the lamina daemon " + pid + " to exit", e);
      }
    }
    throw new IOException("the lamina daemon " + pid + " did not exit within " + START_TIMEOUT + " of stop");
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

  /**
   * Starts a daemon in its own session and waits until its socket answers. It runs from a private copy of the jar
   * in its build's directory ({@link DaemonPaths#jar()}), so that a rebuild or an upgrade that overwrites the jar
   * in place (as maven's jar plugin does) cannot break a daemon that still has classes to load; the copy is made
   * under the build's lock, which a daemon holds until it has exited (and removed its copy), so that no daemon of
   * the build can remove it meanwhile.
   */
  static void startDaemon(DaemonPaths paths) throws IOException {
    paths.ensureDir();
    String classPath = System.getProperty("java.class.path");
    Path jar = BuildId.jar(classPath);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    if (jar != null) {
      while (!copyJar(paths, jar)) {
        if (answers(paths)) {
          return; // a daemon of this build started meanwhile (another client's)
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("the lamina daemon of " + paths.home() + " neither answers nor exits (it holds "
              + paths.lock() + "); see " + paths.log());
        }
        sleep(20);
      }
    }
    List<String> cmd = new ArrayList<>(BackgroundMount.childCommand(List.of("daemon", "run")));
    int java = 1 + cmd.indexOf(cmd.stream().filter(c -> c.endsWith("/java")).findFirst().orElse(""));
    if (jar != null) {
      cmd.set(cmd.indexOf("-cp") + 1, paths.jar().toString());
      // A class-data archive names the jar it was made from by path (Java 17 refuses it for a jar elsewhere:
      // "shared class paths mismatch"), so target/lamina.jsa cannot serve the copy. The build's first daemon here
      // writes an archive of the classes it loaded as it exits, against the copy's path, which stays the same for
      // every later daemon of the build (and the copy keeps the jar's size and time, which the archive checks).
      cmd.removeIf(c -> c.startsWith("-XX:SharedArchiveFile=") || c.equals("-Xshare:auto"));
      if (System.getenv("LAMINA_DAEMON_JAVA_OPTS") == null) {
        cmd.addAll(java, Files.isRegularFile(paths.jsa())
            ? List.of("-XX:SharedArchiveFile=" + paths.jsa(), "-Xshare:auto")
            // without its warning per class it cannot archive (picocli's and jnr's Java 5 classes) in daemon.log
            : List.of("-XX:ArchiveClassesAtExit=" + paths.jsa(), "-Xlog:cds=error"));
      }
    }
    cmd.add(java, "-Dlamina.build=" + paths.build());
    cmd.add(java, "-Dlamina.jar=" + (jar != null ? jar : classPath));
    // At the heap limit the daemon exits at once, whatever thread ran out, rather than go on with a thread (a
    // session's reader, the socket's accept loop) that an OutOfMemoryError ended: every mount then answers ENOTCONN
    // and the next mount starts a fresh daemon, which clears them (native-notes.md, "Heap"). Before the user's
    // flags, so that LAMINA_DAEMON_JAVA_OPTS=-XX:-ExitOnOutOfMemoryError wins.
    cmd.add(java, "-XX:+ExitOnOutOfMemoryError");
    if (System.getenv("LAMINA_DAEMON_JAVA_OPTS") == null) {
      // a long-lived process whose heap follows its mounts: give back what a busy spell grew, once collected; and
      // start small (-Xms8m), not at the default 1/64 of RAM, whose large young generation a busy mount fills with
      // garbage, so touching it all before the first collection (scripts/bench-soak: 142 MiB RSS after a pass
      // against 66 MiB with -Xms8m). The young generation stays at most 16 MiB: by default it is a third of the
      // heap, which grows with the mounts' node tables, and all of it becomes resident as requests' garbage
      // passes through (scripts/bench-density, 50 mounts: 535 MiB PSS, 432 MiB with this cap)
      cmd.addAll(java + 1,
          List.of("-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-Xms8m", "-XX:MaxNewSize=16m"));
      // A shared daemon lives long and serves mount after mount, so C2 pays for itself (unlike a private mount's
      // JVM): a warm daemon's copy-up of 1,511 files took 15-25% less wall time with it, alternating runs. Its
      // compilations leave freed native memory that glibc keeps (+46 MB RSS) unless the JVM trims it every second
      // (a JDK 17.0.9+ flag; an older JVM ignores it rather than refuse to start). scripts/bench-density, 10 and 50
      // mounts: 127 and 263 MiB trimming every 5 s, 104 and 253 MiB every second.
      cmd.removeAll(List.of("-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=0.2"));
      cmd.addAll(java + 1, List.of("-XX:+IgnoreUnrecognizedVMOptions", "-XX:TrimNativeHeapInterval=1000"));
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
    while (System.nanoTime() < deadline) {
      if (answers(paths)) {
        return;
      }
      if (!p.isAlive() && p.exitValue() != 0) {
        throw new IOException("the lamina daemon did not start (exit " + p.exitValue() + "): "
            + tail(paths.log(), logStart));
      }
      sleep(5);
    }
    throw new IOException("the lamina daemon did not answer on " + paths.socket() + " within " + START_TIMEOUT
        + "; see " + paths.log());
  }

  /**
   * Copies {@code jar} to the build's {@link DaemonPaths#jar()} (kept when it is already that copy: same size and
   * modification time) while holding the build's lock; false when a daemon of the build holds it (it runs, starts
   * or exits).
   */
  private static boolean copyJar(DaemonPaths paths, Path jar) throws IOException {
    try (FileChannel ch = FileChannel.open(paths.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) {
        return false;
      }
      Path copy = paths.jar();
      BasicFileAttributes src = Files.readAttributes(jar, BasicFileAttributes.class);
      if (Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)) {
        BasicFileAttributes c = Files.readAttributes(copy, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (c.size() == src.size() && c.lastModifiedTime().toMillis() == src.lastModifiedTime().toMillis()) {
          // a killed daemon's copy: kept, and its change time made now, so that no other build's daemon takes it
          // for garbage while this one starts from it (DaemonServer.cleanOtherBuilds)
          Files.setPosixFilePermissions(copy, Files.getPosixFilePermissions(copy));
          return true;
        }
      }
      Path tmp = paths.home().resolve("lamina.jar.tmp");
      Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
      Files.move(tmp, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return true;
    }
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the lamina daemon", e);
    }
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
