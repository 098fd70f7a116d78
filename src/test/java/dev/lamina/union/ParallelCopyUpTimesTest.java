package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.OpenFile;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Threads copying up different entries of one lower tree at once (the differential scenario
 * parallel_copy_up_same_dir, many rounds, in process): every directory keeps its times (a copy-up is not a
 * change of its parent), and no descriptor is closed that the union did not open or closed already (kept
 * upper-directory fds would make such a close hit a live directory).
 */
@Timeout(120)
class ParallelCopyUpTimesTest {
  @TempDir Path tmp;

  @Test
  void parallelCopyUps_keepParentTimes_andCloseOnlyTheirOwnFds() throws Exception {
    for (int round = 0; round < 30; round++) {
      Path base = Files.createDirectories(tmp.resolve("r" + round));
      Fixture fx = new Fixture(base, 1);
      Path l = fx.lowers[0];
      Fixture.file(l, "dlow/inner/deep", "deep");
      Fixture.file(l, "d1/f1", "f1");
      Fixture.file(l, "d1/f2", "f2");
      Fixture.file(l, "d1/sub/g", "g");
      FileTime old = FileTime.from(1_500_000_000L, TimeUnit.SECONDS);
      try (var walk = Files.walk(l)) {
        for (Path p : walk.toList()) {
          Files.setLastModifiedTime(p, old);
        }
      }
      Set<Integer> open = ConcurrentHashMap.newKeySet();
      List<String> bad = java.util.Collections.synchronizedList(new ArrayList<>());
      HostFs real = HostFs.get();
      HostFs tracking = (HostFs) Proxy.newProxyInstance(HostFs.class.getClassLoader(), new Class<?>[] {HostFs.class},
          (p, m, args) -> {
            String n = m.getName();
            if ((n.equals("close") || n.equals("closeQuietly")) && !open.remove((Integer) args[0])) {
              bad.add(n + " of fd " + args[0] + " not opened by the union (or closed already)");
            }
            Object r;
            try {
              r = m.invoke(real, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
            if (n.equals("openat") || n.equals("openBeneath") || n.equals("dup") || n.equals("cloneMount")) {
              open.add((Integer) r);
            }
            return r;
          });
      Stat upperRootBefore = real.lstat(AT_FDCWD, fx.upper.toString());
      OverlayFs u = new OverlayFs(tracking, fx.config().whiteoutFormat(Fixture.isRoot() ? WhiteoutFormat.DEVICE : WhiteoutFormat.FILE).build());
      try {
        CyclicBarrier go = new CyclicBarrier(5);
        List<Fixture.ThrowingOp> ops = List.of(
            () -> append(u, "/dlow/inner/deep"),
            () -> u.chmod("/d1/f1", 0600),
            () -> append(u, "/d1/sub/g"),
            () -> {
              if (Fixture.isRoot()) {
                u.chown("/d1/f2", 7, 7);
              } else {
                u.utimens("/d1/f2", UnionFs.Timespec.OMIT, UnionFs.Timespec.OMIT);
              }
            },
            () -> u.setxattr("/d1/sub", "user.p", new byte[] {'4'}, 0));
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (Fixture.ThrowingOp op : ops) {
          Thread t = new Thread(() -> {
            try {
              go.await();
              op.run();
            } catch (Throwable e) {
              errors.add(e);
            }
          });
          t.start();
          threads.add(t);
        }
        for (Thread t : threads) {
          t.join();
        }
        assertThat(errors).isEmpty();
      } finally {
        u.close();
      }
      assertThat(bad).as("round %d", round).isEmpty();
      Stat upperRoot = real.lstat(AT_FDCWD, fx.upper.toString());
      assertThat(upperRoot.mtimeSec()).as("upper root mtime, round %d", round).isEqualTo(upperRootBefore.mtimeSec());
      for (String d : List.of("dlow", "dlow/inner", "d1", "d1/sub")) {
        assertThat(real.lstat(AT_FDCWD, fx.upper.resolve(d).toString()).mtimeSec()).as("%s, round %d", d, round)
            .isEqualTo(1_500_000_000L);
      }
    }
  }

  private static void append(UnionFs u, String path) throws Exception {
    OpenFile f = u.open(path, O_WRONLY | O_APPEND);
    try {
      u.write(f, ByteBuffer.wrap("+".getBytes()), 0);
    } finally {
      u.release(f);
    }
  }
}
