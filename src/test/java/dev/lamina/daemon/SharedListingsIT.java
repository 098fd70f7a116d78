package dev.lamina.daemon;

import dev.lamina.testing.Launcher;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.fuse.Unmount;
import java.io.File;
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
    Unmount.unmount(one, Duration.ofSeconds(30));
    Unmount.unmount(two, Duration.ofSeconds(30));
    Files.writeString(lower.resolve("b"), "b"); // no mount of the layer stands now
    Path three = mount("three", lower.getParent());
    assertThat(names(three.resolve("dir"))).containsExactly("a", "b");
    assertThat(Files.readString(three.resolve("dir/b"))).isEqualTo("b");
  }
}
