package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.union.UnionFs.OpenFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Several threads copying up the same lower file at once end with one correct file. */
@Timeout(120)
class CopyUpRaceTest {
  @TempDir Path tmp;

  @Test
  void racingWriters_copyUpOnce_allWritesLand() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    byte[] data = new byte[256 * 1024];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7);
    }
    Files.createDirectories(fx.lowers[0].resolve("a/b"));
    Files.write(fx.lowers[0].resolve("a/b/big"), data);
    int threads = 8;
    try (OverlayFs u = fx.mount(WhiteoutFormat.FILE)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        fs.add(pool.submit(() -> {
          start.await();
          OpenFile f = u.open("/a/b/big", O_RDWR);
          try {
            u.write(f, ByteBuffer.wrap(new byte[] {(byte) (100 + id)}), id);
          } finally {
            u.release(f);
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      byte[] got = Files.readAllBytes(fx.upper.resolve("a/b/big"));
      assertThat(got).hasSize(data.length);
      for (int t = 0; t < threads; t++) {
        assertThat(got[t]).as("write of thread " + t).isEqualTo((byte) (100 + t));
      }
      for (int i = threads; i < data.length; i += 4093) {
        assertThat(got[i]).isEqualTo(data[i]);
      }
      try (var s = Files.list(fx.work.resolve("lamina"))) {
        assertThat(s).as("no copy-up leftovers").isEmpty();
      }
      assertThat(Files.readAllBytes(fx.lowers[0].resolve("a/b/big"))).isEqualTo(data);
    }
  }

  @Test
  void parallelNamespaceChanges_inOneMergedDir_endConsistent() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    for (int t = 0; t < 8; t++) {
      Fixture.file(fx.lowers[0], "d/low" + t, "l" + t);
    }
    try (OverlayFs u = fx.mount(WhiteoutFormat.FILE)) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int id = t;
        fs.add(pool.submit(() -> {
          for (int i = 0; i < 50; i++) {
            Fixture.write(u, "/d/f" + id + "-" + i, "x");
            u.rename("/d/f" + id + "-" + i, "/d/g" + id + "-" + i, 0);
            if (i % 2 == 0) {
              u.unlink("/d/g" + id + "-" + i);
            }
          }
          u.rename("/d/low" + id, "/d/moved" + id, 0);
          u.chmod("/d/moved" + id, 0600);
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      List<String> names = Fixture.names(u, "/d");
      assertThat(names).hasSize(8 * 25 + 8).noneMatch(n -> n.startsWith("low") || n.startsWith("f"));
      assertThat(Fixture.read(u, "/d/moved3")).isEqualTo("l3");
      try (var s = Files.list(fx.work.resolve("lamina"))) {
        assertThat(s).isEmpty();
      }
    }
  }
}
