package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.Stat;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel-overlayfs on-disk form written as root: 0/0 character device whiteouts and
 * {@code trusted.overlay.opaque=y}.
 *
 * <pre>
 * lower0: f, dir/a, d2/x
 * upper:  (empty)
 * </pre>
 */
@Timeout(120)
class WhiteoutDeviceTest {
  @TempDir Path tmp;
  Fixture fx;
  OverlayFs u;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Fixture.isRoot(), "device whiteouts and trusted.* xattrs need root");
    fx = new Fixture(tmp, 1);
    Fixture.file(fx.lowers[0], "f", "f");
    Fixture.file(fx.lowers[0], "dir/a", "a");
    Fixture.file(fx.lowers[0], "d2/x", "x");
    u = fx.mount(WhiteoutFormat.DEVICE);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (u != null) {
      u.close();
    }
  }

  private Stat upper(String rel) throws Exception {
    return fx.fs.lstatOrNull(AT_FDCWD, fx.upper.resolve(rel).toString());
  }

  @Test
  void unlink_lowerFile_createsDeviceWhiteout() throws Exception {
    u.unlink("/f");
    assertThat(upper("f").isWhiteoutDevice()).isTrue();
    assertThat(Fixture.names(u, "/")).containsExactly("d2", "dir");
  }

  @Test
  void create_overDeviceWhiteout_replacesIt() throws Exception {
    u.unlink("/f");
    Fixture.write(u, "/f", "new");
    assertThat(upper("f").isRegular()).isTrue();
    assertThat(Fixture.read(u, "/f")).isEqualTo("new");
    u.unlink("/f");
    u.symlink("target", "/f", Fixture.ROOT);
    assertThat(u.readlink("/f")).isEqualTo("target");
    u.unlink("/f");
    u.link("/dir/a", "/f");
    assertThat(Fixture.read(u, "/f")).isEqualTo("a");
  }

  @Test
  void rmdir_thenMkdir_exchangesWhiteoutForOpaqueDir() throws Exception {
    u.unlink("/dir/a");
    u.rmdir("/dir");
    assertThat(upper("dir").isWhiteoutDevice()).isTrue();
    u.mkdir("/dir", 0700, Fixture.ROOT);
    assertThat(upper("dir").isDir()).isTrue();
    assertThat(fx.fs.lgetxattr(AT_FDCWD, fx.upper.resolve("dir").toString(), "trusted.overlay.opaque")).containsExactly('y');
    assertThat(Fixture.names(u, "/dir")).isEmpty();
    assertThat(u.getattr("/dir").mode()).isEqualTo(S_IFDIR | 0700);
    try (var s = Files.list(fx.work.resolve("lamina"))) {
      // only the shared whiteout device that whiteouts are hard links of stays (as in overlayfs' work dir)
      assertThat(s.map(p -> p.getFileName().toString())).as("work dir left clean").allMatch(n -> n.startsWith("whiteout-"));
    }
  }

  @Test
  void whiteouts_areHardLinksOfOneSharedDevice() throws Exception {
    u.unlink("/f");
    u.unlink("/dir/a");
    Stat f = upper("f");
    Stat a = upper("dir/a");
    assertThat(f.isWhiteoutDevice()).isTrue();
    assertThat(a.isWhiteoutDevice()).isTrue();
    assertThat(a.ino()).as("one inode for every whiteout").isEqualTo(f.ino());
    assertThat(f.nlink()).isEqualTo(3); // the two whiteouts and the work dir's shared node
    assertThat(Fixture.names(u, "/")).doesNotContain("f");
    assertThat(Fixture.names(u, "/dir")).doesNotContain("a");
  }

  @Test
  void rename_lowerFile_usesRenameWhiteout() throws Exception {
    u.rename("/f", "/g", 0);
    assertThat(upper("f").isWhiteoutDevice()).isTrue();
    assertThat(Fixture.read(u, "/g")).isEqualTo("f");
  }

  @Test
  void rmdir_copiedUpDir_replacedByWhiteout() throws Exception {
    u.chmod("/d2", 0700);
    u.unlink("/d2/x");
    u.rmdir("/d2");
    assertThat(upper("d2").isWhiteoutDevice()).isTrue();
  }

  @Test
  void oldUpper_withDeviceWhiteouts_worksAsLower() throws Exception {
    u.unlink("/f");
    u.unlink("/dir/a");
    u.rmdir("/dir");
    u.mkdir("/dir", 0755, Fixture.ROOT);
    Fixture.write(u, "/dir/n", "n");
    u.close();
    Path up2 = Files.createDirectories(tmp.resolve("up2"));
    Path wk2 = Files.createDirectories(tmp.resolve("wk2"));
    u = new OverlayFs(OverlayConfig.builder().lowerDir(fx.upper).lowerDir(fx.lowers[0]).upperDir(up2).workDir(wk2).build());
    assertThat(Fixture.names(u, "/")).containsExactly("d2", "dir");
    assertThat(Fixture.names(u, "/dir")).containsExactly("n");
  }
}
