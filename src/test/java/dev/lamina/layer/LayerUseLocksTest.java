package dev.lamina.layer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process holding a layer for several mounts (the shared daemon): the kernel's lock (seen in /proc/locks) stays
 * until the last holder lets go, because closing any descriptor of the lock file would drop the process's lock.
 */
class LayerUseLocksTest {
  private static final String HEX = "ab".repeat(32);

  @TempDir Path store;

  /** Whether this process holds an fcntl lock on {@code file} ("N: POSIX ADVISORY READ PID MAJ:MIN:INO ..."). */
  static boolean lockedByUs(Path file) throws IOException {
    long ino = (Long) Files.getAttribute(file, "unix:ino");
    String pid = Long.toString(ProcessHandle.current().pid());
    for (String line : Files.readAllLines(Path.of("/proc/locks"), StandardCharsets.UTF_8)) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 5 && !f[1].equals("->") && f[4].equals(pid) && f[5].endsWith(":" + ino)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void twoHoldersOfOneLayer_theLockStaysUntilTheLastCloses() throws Exception {
    Files.createFile(store.resolve("store.lock"));
    Path diff = Files.createDirectories(store.resolve("layers").resolve(HEX).resolve("diff"));
    Path lock = store.resolve("layers").resolve(HEX + ".lock");

    LayerUseLocks first = LayerUseLocks.hold(List.of(diff));
    LayerUseLocks second = LayerUseLocks.hold(List.of(diff));
    assertThat(lockedByUs(lock)).isTrue();
    assertThat(LayerUseLocks.inUse(lock)).isTrue();

    first.close();
    first.close(); // idempotent: must not count the second holder out
    assertThat(lockedByUs(lock)).as("the other holder still uses the layer").isTrue();
    assertThat(LayerUseLocks.inUse(lock)).isTrue();
    assertThat(lockedByUs(lock)).as("asking does not drop the lock").isTrue();

    second.close();
    assertThat(lockedByUs(lock)).isFalse();
    assertThat(LayerUseLocks.inUse(lock)).isFalse();
  }
}
