package dev.lamina.daemon;

import dev.lamina.testing.Launcher;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.fuse.Unmount;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared daemon keeps the listings of a lower layer once for all its live mounts of it; a mount made right
 * after the others were unmounted, with the layer changed in between, shows the layer as it is now (the daemon may
 * not have seen the unmounts yet when the new mount arrives: it asks the kernel whether they are still mounted).
 */
class SharedListingsIT {
  @TempDir Path tmp;
  private final List<Path> mounts = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (Path m : mounts) {
      if (Files.exists(m) && dev.lamina.fuse.MountTable.find(m).isPresent()) {
        Unmount.unmount(m, Duration.ofSeconds(30));
      }
    }
    lamina("daemon", "stop");
  }

  private int lamina(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(DaemonIT.home().resolve("scripts/lamina").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
        .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
    pb.environment().putAll(java.util.Map.of("LAMINA_DAEMON", "shared",
        "LAMINA_DAEMON_DIR", tmp.resolve("daemon").toString(), "LAMINA_DAEMON_IDLE", "60"));
    Process p = pb.start();
    try {
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(cmd + " ended").isTrue();
    } finally {
      p.destroyForcibly();
    }
    return p.exitValue();
  }

  private Path mount(String name, Path lower) throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve(name));
    Path up = Files.createDirectories(tmp.resolve(name + "-upper"));
    Path work = Files.createDirectories(tmp.resolve(name + "-work"));
    int rc = lamina("mount", "-o", "lowerdir=" + lower + ",upperdir=" + up + ",workdir=" + work, mnt.toString());
    assertThat(rc).as(Files.readString(tmp.resolve("err.txt"))).isZero();
    mounts.add(mnt);
    return mnt;
  }

  /** The device number of a mount's root, as /proc/PID/mountinfo gives it ("major:minor"). */
  private static String device(Path mnt) throws Exception {
    long dev = (Long) Files.getAttribute(mnt, "unix:dev");
    long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    return major + ":" + minor;
  }

  /**
   * Waits (bounded) until no mount namespace holds a mount of these devices: umount(2) ends a FUSE connection only
   * once the last namespace lets go, and one made meanwhile by another process (a container another test run
   * started, say) holds a copy until it ends. The layer is still mounted there, so the next mount may rightly share
   * its listing. The daemon is not waited for: the new mount may come before it has seen the connections end.
   */
  private static void awaitUnmountedEverywhere(List<String> devs) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    String holder = null;
    while (System.nanoTime() < end) {
      holder = holderOf(devs);
      if (holder == null) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("a mount namespace still holds an unmounted mount after 120 s: " + holder);
  }

  /** A process (pid and mountinfo line) whose mount namespace has one of the devices mounted, or null. */
  private static String holderOf(List<String> devs) throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs.filter(p -> p.getFileName().toString().matches("\\d+"))::iterator) {
        List<String> lines;
        try {
          lines = Files.readAllLines(p.resolve("mountinfo"));
        } catch (IOException | SecurityException gone) {
          continue; // exited, or not ours to read
        }
        for (String line : lines) {
          String[] f = line.split(" ", 4);
          if (f.length > 3 && devs.contains(f[2])) {
            return p.getFileName() + ": " + line;
          }
        }
      }
    }
    return null;
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aLayerChangedBetweenMountsIsReadAnew() throws Exception {
    Launcher.assumeCanMount();
    Path lower = Files.createDirectories(tmp.resolve("lower/dir"));
    Files.writeString(lower.resolve("a"), "a");
    Path one = mount("one", lower.getParent());
    Path two = mount("two", lower.getParent());
    assertThat(names(one.resolve("dir"))).containsExactly("a");
    assertThat(names(two.resolve("dir"))).containsExactly("a"); // the listing the first mount read
    List<String> devs = List.of(device(one), device(two));
    Unmount.unmount(one, Duration.ofSeconds(30));
    Unmount.unmount(two, Duration.ofSeconds(30));
    awaitUnmountedEverywhere(devs);
    Files.writeString(lower.resolve("b"), "b"); // no mount of the layer stands now
    Path three = mount("three", lower.getParent());
    assertThat(names(three.resolve("dir"))).containsExactly("a", "b");
    assertThat(Files.readString(three.resolve("dir/b"))).isEqualTo("b");
  }
}
