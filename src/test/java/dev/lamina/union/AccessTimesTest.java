package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.OpenFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads and listings through the union update access times as kernel overlayfs does under each atime option
 * (AtimeScenarios compares the same against the kernel through FUSE). Times are set first, so that no answer
 * depends on the clock: atime before mtime (relatime and strictatime update), or in the future (only strictatime).
 *
 * <pre>
 * lower0: low "low"        upper: up "up", dir/
 * </pre>
 */
@Timeout(60)
class AccessTimesTest {
  static final long PAST = 1_000_000_000L;
  static final long LATER = 1_100_000_000L;
  static final long FUTURE = 4_000_000_000L;

  @TempDir Path tmp;
  Fixture fx;

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp, 1);
    Fixture.file(fx.lowers[0], "low", "low");
    Fixture.file(fx.upper, "up", "up");
    java.nio.file.Files.createDirectories(fx.upper.resolve("dir"));
  }

  @Test
  void parse_laterOptionsWin_andDirsAreSeparate() {
    assertThat(Atime.parse(List.of())).isEqualTo(Atime.DEFAULT);
    assertThat(Atime.parse(List.of("noatime", "strictatime")).mode()).isEqualTo(Atime.Mode.STRICTATIME);
    assertThat(Atime.parse(List.of("strictatime", "noatime")).mode()).isEqualTo(Atime.Mode.NOATIME);
    assertThat(Atime.parse(List.of("noatime", "atime")).mode()).isEqualTo(Atime.Mode.RELATIME);
    assertThat(Atime.parse(List.of("nodiratime", "lazytime", "rw"))).isEqualTo(new Atime(Atime.Mode.RELATIME, false));
    assertThat(Atime.parse(List.of("nodiratime", "diratime")).dirs()).isTrue();
    assertThat(Atime.parse(List.of("noatime")).forDirs()).isFalse();
  }

  @Test
  void relatime_updatesAnUpperFileOnlyWhenItsAtimeIsNotAfterItsMtime() throws Exception {
    assumeMountsCanBeCloned();
    try (OverlayFs u = mount("relatime")) {
      assertThat(readChangesAtime(u, "up", PAST)).isTrue();
      assertThat(readChangesAtime(u, "up", FUTURE)).isFalse();
    }
  }

  @Test
  void strictatime_updatesAnUpperFileOnEveryRead() throws Exception {
    assumeMountsCanBeCloned();
    try (OverlayFs u = mount("strictatime")) {
      assertThat(readChangesAtime(u, "up", PAST)).isTrue();
      assertThat(readChangesAtime(u, "up", FUTURE)).isTrue();
      assertThat(listChangesAtime(u, "dir", FUTURE)).isTrue();
    }
  }

  @Test
  void noatime_andNodiratime_leaveTimes() throws Exception {
    try (OverlayFs u = mount("noatime")) {
      assertThat(readChangesAtime(u, "up", PAST)).isFalse();
      assertThat(listChangesAtime(u, "dir", PAST)).isFalse();
    }
    try (OverlayFs u = mount("strictatime,nodiratime")) {
      assertThat(listChangesAtime(u, "dir", PAST)).isFalse();
    }
  }

  @Test
  void aLowerFile_keepsItsAtimeUnderEveryOption() throws Exception {
    for (String o : List.of("relatime", "strictatime")) {
      java.nio.file.Files.getFileAttributeView(fx.lowers[0].resolve("low"),
              java.nio.file.attribute.BasicFileAttributeView.class)
          .setTimes(java.nio.file.attribute.FileTime.fromMillis(LATER * 1000),
              java.nio.file.attribute.FileTime.fromMillis(PAST * 1000), null);
      long before = atime(fx.lowers[0], "low");
      try (OverlayFs u = mount(o)) {
        read(u, "low");
      }
      assertThat(atime(fx.lowers[0], "low")).as(o).isEqualTo(before);
    }
  }

  /**
   * relatime and strictatime need the clone of the upper layer's mount: root, and open_tree(2) and mount_setattr(2)
   * known to the kernel (5.12+) or to the emulator (qemu-user 7.2 answers ENOSYS, see native-notes.md "arm64").
   */
  private void assumeMountsCanBeCloned() throws Exception {
    assumeTrue(Fixture.isRoot(), "cloning the upper layer's mount needs root; skipped");
    int dir = fx.fs.openat(AT_FDCWD, fx.upper.toString(), O_RDONLY | O_DIRECTORY, 0);
    try {
      fx.fs.closeQuietly(fx.fs.cloneMount(dir, 0, 0));
    } catch (dev.lamina.sys.ErrnoException e) {
      assumeTrue(e.errno() != dev.lamina.sys.Errno.ENOSYS, "open_tree(2)/mount_setattr(2) answer ENOSYS here"
          + " (a kernel before 5.12, or qemu-user): access times follow the upper layer's own mount; skipped");
    } finally {
      fx.fs.closeQuietly(dir);
    }
  }

  private OverlayFs mount(String options) throws Exception {
    return new OverlayFs(fx.config().atime(Atime.parse(List.of(options.split(",")))).build());
  }

  private boolean readChangesAtime(OverlayFs u, String name, long atimeSec) throws Exception {
    u.utimens("/" + name, new UnionFs.Timespec(atimeSec, 0), new UnionFs.Timespec(LATER, 0));
    long before = atime(fx.upper, name);
    read(u, name);
    return atime(fx.upper, name) != before;
  }

  private boolean listChangesAtime(OverlayFs u, String name, long atimeSec) throws Exception {
    u.utimens("/" + name, new UnionFs.Timespec(atimeSec, 0), new UnionFs.Timespec(LATER, 0));
    long before = atime(fx.upper, name);
    UnionFs.OpenDir d = u.opendir("/" + name);
    try {
      u.readdir(d, 0); // overlayfs lists (and touches atime) at the first getdents, not at open
    } finally {
      u.releasedir(d);
    }
    return atime(fx.upper, name) != before;
  }

  private static void read(OverlayFs u, String name) throws Exception {
    OpenFile f = u.open("/" + name, O_RDONLY);
    try {
      u.read(f, ByteBuffer.allocate(16), 0);
    } finally {
      u.release(f);
    }
  }

  private long atime(Path dir, String name) throws Exception {
    Stat st = fx.fs.lstat(AT_FDCWD, dir.resolve(name).toString());
    return st.atimeSec() * 1_000_000_000L + st.atimeNsec();
  }
}
