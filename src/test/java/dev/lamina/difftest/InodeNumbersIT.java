package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.conformance.Fixture;
import dev.lamina.conformance.KernelOverlay;
import dev.lamina.conformance.OverlayTarget;
import dev.lamina.conformance.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Inode numbers before copy-up, after it, and after an unmount and a new mount, on kernel overlayfs (the
 * differential suite's options: index=off, xino=off; every layer on one filesystem) and on lamina over the
 * same fixture; and across implementations: an upper dir one wrote, mounted by the other, shows the same
 * numbers. Numbers are compared as what they are on disk (the path's lower inode, its upper inode, or
 * neither), since two copies of the fixture have different backing numbers.
 */
@Timeout(600)
class InodeNumbersIT {
  private static final KernelOverlay KERNEL = InteropLayers.KERNEL;
  private static InteropLayers layers;
  /** Lower files, directories (merged and lower-only), a symlink, both names of a lower hard link, a fifo. */
  private static final List<String> PATHS =
      List.of("lowfile", "d1", "d1/f1", "d1/sub", "d1/sub/g", "merged", "merged/b1", "lnk", "hl1", "hl2", "exec", "fifo");

  @BeforeAll
  static void setUp() throws IOException {
    layers = InteropLayers.open("inode number comparison", "inode-numbers-");
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (layers != null) {
      layers.close();
    }
  }

  /** Copies up every path but hl2 (hl1's other name) through the mount, each by another kind of change. */
  private static void copyUp(Path mnt) throws IOException {
    Files.setPosixFilePermissions(mnt.resolve("lowfile"), PosixFilePermissions.fromString("rw-------"));
    Files.writeString(mnt.resolve("d1/f1"), "more", StandardOpenOption.APPEND);
    Files.setPosixFilePermissions(mnt.resolve("d1/sub"), PosixFilePermissions.fromString("rwx------"));
    Files.setLastModifiedTime(mnt.resolve("d1/sub/g"), FileTime.fromMillis(1_000_000));
    Files.setPosixFilePermissions(mnt.resolve("merged"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.writeString(mnt.resolve("merged/b1"), "b", StandardOpenOption.APPEND);
    Shell.check("chown", "-h", "0:0", mnt.resolve("lnk").toString());
    Files.writeString(mnt.resolve("hl1"), "x", StandardOpenOption.APPEND);
    Files.setPosixFilePermissions(mnt.resolve("exec"), PosixFilePermissions.fromString("rwx------"));
    Files.setPosixFilePermissions(mnt.resolve("fifo"), PosixFilePermissions.fromString("rw-------"));
  }

  private static Map<String, Long> numbers(Path mnt) throws IOException {
    Map<String, Long> m = new LinkedHashMap<>();
    for (String p : PATHS) {
      m.put(p, ((Number) Files.getAttribute(mnt.resolve(p), "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue());
    }
    return m;
  }

  private static Map<String, Long> mounted(OverlayTarget t, Fixture.Layout l, Op op) throws IOException {
    try (OverlayTarget.Mounted m = t.mount(l.lowers(), l.upper(), l.work(), l.mnt(), "")) {
      Map<String, Long> before = numbers(l.mnt());
      op.run(l.mnt());
      return before;
    }
  }

  @FunctionalInterface
  interface Op {
    void run(Path mnt) throws IOException;
  }

  /** Numbers before copy-up, after it (same mount), after a remount. */
  private record Cycle(Map<String, Long> before, Map<String, Long> after, Map<String, Long> remounted) {}

  private static Cycle cycle(OverlayTarget t, Fixture.Layout l) throws IOException {
    Map<String, Long> after = new LinkedHashMap<>();
    Map<String, Long> before = mounted(t, l, mnt -> {
      copyUp(mnt);
      after.putAll(numbers(mnt));
    });
    return new Cycle(before, after, mounted(t, l, mnt -> {}));
  }

  /** What each number is on disk: "lower" (the path's inode in the layer holding it), "upper", or "other". */
  private static Map<String, String> kinds(Fixture.Layout l, Map<String, Long> numbers) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Long> e : numbers.entrySet()) {
      String kind = "other";
      if (e.getValue() == backing(l.upper().resolve(e.getKey()))) {
        kind = "upper";
      }
      for (Path lower : l.lowers()) {
        if (e.getValue() == backing(lower.resolve(e.getKey()))) {
          kind = "lower";
        }
      }
      out.put(e.getKey(), kind);
    }
    return out;
  }

  private static long backing(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return -1;
    }
    return ((Number) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
  }

  @Test
  void copyUpAndRemount_changeNumbersExactlyAsOnTheKernel() throws IOException {
    Fixture.Layout k = layers.copy("kernel");
    Fixture.Layout l = layers.copy("lamina");
    Cycle kc = cycle(KERNEL, k);
    Cycle lc = cycle(layers.lamina, l);
    assertThat(kinds(l, lc.before())).as("before copy-up").isEqualTo(kinds(k, kc.before()));
    assertThat(kinds(l, lc.after())).as("after copy-up").isEqualTo(kinds(k, kc.after()));
    assertThat(kinds(l, lc.remounted())).as("after remount").isEqualTo(kinds(k, kc.remounted()));
    // and what that means: every path but the broken hard link keeps its number, also across the remount
    for (String p : PATHS) {
      boolean kept = !p.equals("hl1");
      assertThat(lc.after().get(p).equals(lc.before().get(p))).as(p + " kept across copy-up").isEqualTo(kept);
      assertThat(lc.remounted().get(p)).as(p + " after remount").isEqualTo(lc.after().get(p));
    }
    assertThat(kinds(k, kc.remounted()).get("lowfile")).as("the kernel shows the origin's number").isEqualTo("lower");
    // readdir's d_ino is the number stat shows, on both (the copied-up entries' directories are impure)
    List<String> kd = new java.util.ArrayList<>();
    List<String> ld = new java.util.ArrayList<>();
    mounted(KERNEL, k, mnt -> kd.addAll(dinoMismatches(mnt)));
    mounted(layers.lamina, l, mnt -> ld.addAll(dinoMismatches(mnt)));
    assertThat(ld).as("d_ino != st_ino on lamina").isEqualTo(kd).isEmpty();
  }

  /** Entries of the root, d1, d1/sub and merged whose readdir d_ino is not their st_ino. */
  private static List<String> dinoMismatches(Path mnt) throws IOException {
    String py = "import os,sys\n"
        + "for d in sys.argv[1:]:\n"
        + "  for e in os.scandir(d):\n"
        + "    if e.inode() != os.lstat(e.path).st_ino: print(e.path)\n";
    String out = Shell.check("python3", "-c", py, mnt.toString(), mnt.resolve("d1").toString(),
        mnt.resolve("d1/sub").toString(), mnt.resolve("merged").toString());
    return out.isBlank() ? List.of() : List.of(out.strip().split("\n"));
  }

  @Test
  void anUpperDirLaminaWrote_showsTheSameNumbersOnTheKernel() throws IOException {
    Fixture.Layout l = layers.copy("l2k");
    Cycle lc = cycle(layers.lamina, l);
    Map<String, Long> kernel = mounted(KERNEL, l, mnt -> {});
    assertThat(kernel).isEqualTo(lc.remounted());
    assertThat(kernel).isEqualTo(lc.before() == null ? null : withUpper(lc.before(), l, "hl1"));
  }

  @Test
  void anUpperDirTheKernelWrote_showsTheSameNumbersOnLamina() throws IOException {
    Fixture.Layout k = layers.copy("k2l");
    Cycle kc = cycle(KERNEL, k);
    Map<String, Long> got = mounted(layers.lamina, k, mnt -> {});
    assertThat(got).isEqualTo(kc.remounted());
  }

  /** before, with path's number replaced by its upper inode's (a lower hard link copied up gets its own). */
  private static Map<String, Long> withUpper(Map<String, Long> before, Fixture.Layout l, String path)
      throws IOException {
    Map<String, Long> m = new LinkedHashMap<>(before);
    m.put(path, backing(l.upper().resolve(path)));
    return m;
  }
}
