package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several processes at once are served in parallel: while copy-ups keep every worker busy, the session starts
 * more workers, and everything completes with the right result.
 */
class ParallelServiceIT {
  @RegisterExtension final FuseFixture fx = new FuseFixture();

  @Test
  void busyWorkersBringMoreWorkersAndEveryCopyUpCompletes() throws Exception {
    int files = 8;
    byte[] data = new byte[32 << 20];
    for (int i = 0; i < data.length; i += 4096) {
      data[i] = (byte) i;
    }
    for (int i = 0; i < files; i++) {
      Files.write(fx.lower().resolve("f" + i), data);
    }
    FuseMount m = fx.mountOverlay(false);
    assertThat(m.workerThreads()).isEqualTo(2);
    ExecutorService pool = Executors.newFixedThreadPool(files);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < files; i++) {
        Path f = fx.mnt().resolve("f" + i);
        // chmod copies 32 MiB up: each request takes far longer than the 2 ms after which a worker is added.
        done.add(pool.submit(() -> {
          Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
          return null;
        }));
      }
      for (Future<?> d : done) {
        d.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(m.workerThreads()).isGreaterThan(2);
    for (int i = 0; i < files; i++) {
      assertThat(Files.size(fx.upper().resolve("f" + i))).isEqualTo(data.length);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fx.mnt().resolve("f" + i))))
          .isEqualTo("rw-------");
    }
  }
}
