package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static dev.lamina.union.Fixture.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.Caller;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The caches of a long-lived mount (resolved directories, lower listings, the upper names index) never change
 * an answer: a seeded random run of namespace and metadata changes, with reads at random moments so caches are
 * filled at every stage, is compared after each step with a fresh read-only union over the same layers (the
 * upper dir read as the top lower layer, as the kernel would after a remount), which has no history.
 *
 * <pre>
 * lower1 (bottom)  d/a, d/e/a, m/a, m/b, x, o/a
 * lower0 (top)     d/b, d/.wh.a (whiteout), m/c, o/ (opaque: .wh..wh..opq), o/b, y
 * upper            (empty)
 * </pre>
 */
@Timeout(300)
class CacheCoherenceTest {
  private static final String[] DIRS = {"", "d", "d/e", "m", "o", "n", "n/p"};
  private static final String[] NAMES = {"a", "b", "c", "x", "y", "e", "n", "p"};

  @TempDir Path tmp;

  @Test
  void randomRun_fileWhiteouts() throws Exception {
    run(WhiteoutFormat.FILE, 1);
  }

  @Test
  void randomRun_deviceWhiteouts() throws Exception {
    assumeTrue(Fixture.isRoot(), "device whiteouts need root");
    run(WhiteoutFormat.DEVICE, 2);
  }

  @Test
  void directoryMovedOntoAKnownName_showsItsEntries() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    Fixture.file(fx.lowers[0], "keep", "k");
    Caller me = new Caller(fx.fs.geteuid(), fx.fs.getegid());
    try (OverlayFs u = fx.mount(WhiteoutFormat.FILE)) {
      u.mkdir("/n", 0755, me);
      u.mkdir("/q", 0755, me);
      u.release(u.create("/n/a", 0644, O_WRONLY | O_CREAT, me));
      assertThat(errno(() -> u.getattr("/q/a"))).isNotZero(); // /q's (empty) names are known now
      u.rename("/n", "/q", 0);
      assertThat(u.getattr("/q/a").size()).isZero();
      // a name that was a directory once, removed, then the target of a move
      u.mkdir("/r", 0755, me);
      assertThat(errno(() -> u.getattr("/r/a"))).isNotZero();
      u.rmdir("/r");
      u.mkdir("/s", 0755, me);
      u.mkdir("/s/t", 0755, me);
      u.release(u.create("/s/t/b", 0644, O_WRONLY | O_CREAT, me));
      assertThat(errno(() -> u.getattr("/r/t/b"))).isNotZero();
      u.rename("/s", "/r", 0);
      assertThat(u.getattr("/r/t/b").size()).isZero();
      // and the old name again, fresh
      u.mkdir("/s", 0755, me);
      assertThat(errno(() -> u.getattr("/s/t"))).isNotZero();
      u.mkdir("/s/t", 0755, me);
      assertThat(errno(() -> u.getattr("/s/t/b"))).isNotZero();
      compare(u, fx, List.of("moves"));
    }
  }

  /**
   * A create works in its parent's fd; when the parent is moved between opening that fd and creating the
   * file (and the new path's names are read meanwhile), the file must still be found at the new path.
   */
  @Test
  void createRacingWithAMoveOfItsDirectory_isFoundAtTheNewPath() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    Caller me = new Caller(fx.fs.geteuid(), fx.fs.getegid());
    java.util.concurrent.atomic.AtomicReference<OverlayFs> ref = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
    dev.lamina.sys.HostFs real = dev.lamina.sys.HostFs.get();
    dev.lamina.sys.HostFs hooked = (dev.lamina.sys.HostFs) java.lang.reflect.Proxy.newProxyInstance(
        dev.lamina.sys.HostFs.class.getClassLoader(), new Class<?>[] {dev.lamina.sys.HostFs.class}, (p, m, args) -> {
          if (m.getName().equals("openat") && "x".equals(args[1]) && armed.compareAndSet(true, false)) {
            // the create holds its parent's fd: move the directory and read the new path's names now
            Thread t = new Thread(() -> {
              try {
                ref.get().rename("/a", "/b", 0);
                assertThat(errno(() -> ref.get().getattr("/b/x"))).isNotZero();
              } catch (Throwable e) {
                failed.set(e);
              }
            });
            t.start();
            t.join(20_000);
          }
          try {
            return m.invoke(real, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (OverlayFs u = new OverlayFs(hooked, fx.config().whiteoutFormat(WhiteoutFormat.FILE).build())) {
      ref.set(u);
      u.mkdir("/a", 0755, me);
      armed.set(true);
      u.release(u.create("/a/x", 0644, O_WRONLY | O_CREAT, me));
      assertThat(failed.get()).isNull();
      assertThat(u.getattr("/b/x").size()).isZero();
      compare(u, fx, List.of("create racing with a move"));
    }
  }

  private void run(WhiteoutFormat format, long seed) throws Exception {
    Fixture fx = new Fixture(tmp, 2);
    Path l0 = fx.lowers[0];
    Path l1 = fx.lowers[1];
    for (String f : List.of("d/a", "d/e/a", "m/a", "m/b", "x", "o/a")) {
      Fixture.file(l1, f, "l1:" + f);
    }
    for (String f : List.of("d/b", "m/c", "o/b", "y")) {
      Fixture.file(l0, f, "l0:" + f);
    }
    Fixture.fileWhiteout(l0, "d/a");
    java.nio.file.Files.createFile(l0.resolve("o/.wh..wh..opq"));
    Caller me = new Caller(fx.fs.geteuid(), fx.fs.getegid());
    Random rnd = new Random(seed);
    List<String> log = new ArrayList<>();
    try (OverlayFs u = fx.mount(format)) {
      for (int step = 0; step < 400; step++) {
        String p = path(rnd);
        String q = path(rnd);
        int op = rnd.nextInt(13);
        String what = switch (op) {
          case 0, 1 -> "create " + p;
          case 2 -> "mkdir " + p;
          case 3, 4 -> "unlink " + p;
          case 5 -> "rmdir " + p;
          case 6, 7 -> "rename " + p + " " + q;
          case 8 -> "chmod " + p;
          case 9 -> "link " + p + " " + q;
          case 10 -> "symlink " + p;
          case 11 -> "setxattr " + p;
          default -> "read " + p;
        };
        log.add(what);
        try {
          switch (op) {
            case 0, 1 -> u.release(u.create(p, 0644, O_WRONLY | O_CREAT | O_EXCL, me));
            case 2 -> u.mkdir(p, 0755, me);
            case 3, 4 -> u.unlink(p);
            case 5 -> u.rmdir(p);
            case 6, 7 -> u.rename(p, q, 0);
            // the owner keeps rwx: as an ordinary user a directory without x would answer EACCES to lookups
            // through the host, which a listing does not need, and this test is about caches, not permissions
            case 8 -> u.chmod(p, 0700 | rnd.nextInt(0100));
            case 9 -> u.link(p, q);
            case 10 -> u.symlink("t", p, me);
            case 11 -> u.setxattr(p, "user.t", new byte[] {(byte) ('a' + step % 26)}, 0);
            default -> { }
          }
        } catch (ErrnoException expected) {
          // failing calls are part of the run: they must not leave a cache wrong either
        }
        // reads at random moments fill the caches at every stage of the run
        for (int r = rnd.nextInt(4); r > 0; r--) {
          String d = DIRS[rnd.nextInt(DIRS.length)];
          try {
            if (rnd.nextBoolean()) {
              Fixture.names(u, "/" + d);
            } else {
              u.getattr(path(rnd));
            }
          } catch (ErrnoException ignored) {
            // absent or not a directory
          }
        }
        compare(u, fx, log);
      }
    }
  }

  private static String path(Random rnd) {
    String d = DIRS[rnd.nextInt(DIRS.length)];
    String n = NAMES[rnd.nextInt(NAMES.length)];
    return "/" + (d.isEmpty() ? n : d + "/" + n);
  }

  /** Every path of the name space (and below every directory, three levels deep) answers the same on both. */
  private static void compare(OverlayFs u, Fixture fx, List<String> log) throws Exception {
    List<Path> layers = new ArrayList<>();
    layers.add(fx.upper);
    layers.addAll(List.of(fx.lowers));
    try (OverlayFs fresh = new OverlayFs(OverlayConfig.builder().lowerDirs(layers).build())) {
      // lookups first: a listing read by readdir would refresh what the union knows of a directory
      for (boolean list : new boolean[] {false, true}) {
        compareBelow(u, fresh, "", 0, list, log);
        for (String d : DIRS) {
          compareBelow(u, fresh, d, 2, list, log);
        }
      }
    }
  }

  private static void compareBelow(OverlayFs u, OverlayFs fresh, String d, int depth, boolean list, List<String> log)
      throws Exception {
    String dp = "/" + d;
    String want = describe(fresh, dp, list);
    assertThat(describe(u, dp, list)).as("%s after %s", dp, log).isEqualTo(want);
    if (depth > 2 || !want.startsWith("4")) {
      return; // not a directory
    }
    for (String n : NAMES) {
      compareBelow(u, fresh, d.isEmpty() ? n : d + "/" + n, depth + 1, list, log);
    }
  }

  private static String describe(OverlayFs fs, String p, boolean list) throws Exception {
    String x;
    try {
      x = " xattr " + new String(fs.getxattr(p, "user.t"));
    } catch (ErrnoException e) {
      x = " xattr errno " + e.errno();
    }
    Attr a;
    try {
      a = fs.getattr(p);
    } catch (ErrnoException e) {
      return "errno " + e.errno() + x;
    }
    String s = Integer.toOctalString(a.mode()) + " size " + a.size() + " nlink " + a.nlink() + x;
    if (list && (a.mode() & S_IFMT) == S_IFDIR) {
      s += " " + Fixture.names(fs, p);
    }
    return s;
  }
}
