package dev.lamina.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** The text of {@code lamina daemon status}: the daemon's process, memory and counters, then one line per mount. */
final class DaemonStatus {
  private DaemonStatus() {}

  static String text(DaemonServer d) {
    StringBuilder b = new StringBuilder();
    b.append("pid:            ").append(ProcessHandle.current().pid()).append('\n');
    b.append("build:          ").append(d.paths().build()).append(" (").append(System.getProperty("lamina.jar",
        System.getProperty("java.class.path"))).append(", run from ").append(System.getProperty("java.class.path"))
        .append(")\n");
    b.append("socket:         ").append(d.paths().socket()).append('\n');
    b.append("up:             ").append(Duration.between(d.started(), Instant.now()).toSeconds()).append(" s\n");
    b.append("memory:         RSS ").append(kib("/proc/self/status", "VmRSS:")).append(" KiB, PSS ")
        .append(kib("/proc/self/smaps_rollup", "Pss:")).append(" KiB, Java heap ")
        .append((Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 10).append(" KiB used of ")
        .append(Runtime.getRuntime().maxMemory() >> 10).append(" KiB max\n");
    b.append("threads:        ").append(Thread.activeCount()).append('\n');
    b.append("mount requests: ").append(d.mountRequests()).append(" (").append(d.failedMounts())
        .append(" failed); refused peers: ").append(d.refused()).append('\n');
    b.append("mounts:         ").append(d.mounts().size()).append('\n');
    for (ServedMounts.Served s : d.mounts().list()) {
      b.append("  ").append(s.mount().key()).append("  requests ").append(DaemonServer.requests(s.mount()))
          .append("  nodes ").append(s.mount().nodes())
          .append("  workers ").append(s.mount().workerThreads()).append("  since ").append(s.since());
      long holder = d.held().holder(s.mount().key());
      if (holder >= 0) {
        b.append("  held by pid ").append(holder); // lamina run's root: unmounted when that process ends
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** A "Key:   123 kB" line's number, or "?". */
  private static String kib(String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
        if (line.startsWith(key)) {
          return line.substring(key.length()).trim().split("\\s+")[0];
        }
      }
    } catch (IOException e) {
      // unknown
    }
    return "?";
  }
}
