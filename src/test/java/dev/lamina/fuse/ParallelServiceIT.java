package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.sys.HostFs;
import dev.lamina.union.OverlayFs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several processes at once are served in parallel: while requests keep every worker busy, the session starts
 * more workers, up to {@code max_threads} and no further, and everything completes with the right result.
 *
 * <p>Nothing here depends on timing: the copy-ups are held inside the daemon (its host calls go through a hook
 * that waits at copy_file_range until the test lets them go), so "every worker is busy" lasts as long as the test
 * wants, on an idle or a loaded machine alike. The only clock is a generous deadline for a failure to show.
 */
class ParallelServiceIT {
  private static final int MAX_THREADS = 4;
  private static final int FILES = 8;

  @RegisterExtension final FuseFixture fx = new FuseFixture();

  @Test
  void busyWorkersBringMoreWorkersUpToMaxThreadsAndEveryCopyUpCompletes() throws Exception {
    byte[] data = new byte[1 << 20];
    for (int i = 0; i < data.length; i += 4096) {
      data[i] = (byte) (i >> 12);
    }
    for (int i = 0; i < FILES; i++) {
      Files.write(fx.lower().resolve("f" + i), data);
    }
    AtomicInteger held = new AtomicInteger();
    AtomicInteger mostHeld = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    HostFs holding = holdingCopies(HostFs.get(), held, mostHeld, release);
    FuseMount m = fx.mount("lowerdir=lower,upperdir=upper,workdir=work,max_threads=" + MAX_THREADS, o -> {
      try {
        return new OverlayFs(holding, Unions.config(o, System.getenv()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    // min_threads (2) start at once; more may already have started for the mount's first requests
    assertThat(m.workerThreads()).isBetween(2, MAX_THREADS);

    ExecutorService pool = Executors.newFixedThreadPool(FILES);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < FILES; i++) {
        Path f = fx.mnt().resolve("f" + i);
        done.add(pool.submit(() -> {
          Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
          return null;
        }));
      }
      // each held copy-up occupies one worker: MAX_THREADS held at once means that many workers were started
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (held.get() < MAX_THREADS && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(held.get()).as("copy-ups in progress at once with %d requests waiting", FILES)
          .isEqualTo(MAX_THREADS);
      assertThat(m.workerThreads()).as("workers, capped by max_threads").isEqualTo(MAX_THREADS);
      release.countDown();
      for (Future<?> d : done) {
        d.get(120, TimeUnit.SECONDS);
      }
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
    assertThat(mostHeld.get()).as("never more requests in progress than max_threads").isEqualTo(MAX_THREADS);
    assertThat(m.workerThreads()).isEqualTo(MAX_THREADS);
    for (int i = 0; i < FILES; i++) {
      assertThat(Files.readAllBytes(fx.upper().resolve("f" + i))).isEqualTo(data);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fx.mnt().resolve("f" + i))))
          .isEqualTo("rw-------");
    }
  }

  /** The host calls of {@code real}, where copy_file_range (the data of a copy-up) waits for {@code release}. */
  private static HostFs holdingCopies(HostFs real, AtomicInteger held, AtomicInteger mostHeld, CountDownLatch release) {
    return (HostFs) Proxy.newProxyInstance(HostFs.class.getClassLoader(), new Class<?>[] {HostFs.class},
        (p, method, args) -> {
          if (method.getName().equals("copyFileRange") && release.getCount() > 0) {
            int now = held.incrementAndGet();
            mostHeld.accumulateAndGet(now, Math::max);
            try {
              release.await(300, TimeUnit.SECONDS);
            } finally {
              held.decrementAndGet();
            }
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
