package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static dev.lamina.union.Fixture.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory redirects (redirect_dir): renames of merged and lower directories, the xattr they leave in the
 * kernel's format, lookups that follow redirects in the upper and lower layers, and redirects a hostile layer
 * wrote. As root the xattr is trusted.overlay.redirect, without root user.overlay.redirect.
 *
 * <pre>
 * lower1: d/x  d/sub/y  old/f  keep/k
 * lower0: m/lm
 * upper:  (empty)
 * </pre>
 */
@Timeout(120)
class RedirectTest {
  @TempDir Path tmp;
  Fixture fx;
  OverlayFs u;
  final String xattr = Fixture.isRoot() ? Redirects.TRUSTED : Redirects.USER;

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp.resolve("layers"), 2);
    Fixture.file(fx.lowers[1], "d/x", "x");
    Fixture.file(fx.lowers[1], "d/sub/y", "y");
    Fixture.file(fx.lowers[1], "old/f", "f");
    Fixture.file(fx.lowers[1], "keep/k", "k");
    Fixture.file(fx.lowers[0], "m/lm", "lm");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fx != null) {
      fx.unmount();
    }
  }

  private OverlayFs mount(RedirectDir mode) throws Exception {
    u = fx.remount(fx.config().redirectDir(mode));
    return u;
  }

  private String redirectOf(Path layer, String rel) throws Exception {
    byte[] v = fx.fs.lgetxattr(AT_FDCWD, layer.resolve(rel).toString(), xattr);
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  private void setRedirect(Path layer, String rel, String value) throws Exception {
    fx.fs.lsetxattr(AT_FDCWD, layer.resolve(rel).toString(), xattr, value.getBytes(StandardCharsets.UTF_8), 0);
  }

  @Test
  void withoutRedirectDirOn_renameOfALowerDir_isExdev() throws Exception {
    mount(RedirectDir.FOLLOW);
    assertThat(errno(() -> u.rename("/d", "/d2", 0))).isEqualTo(Errno.EXDEV);
    assertThat(Fixture.names(u, "/")).containsExactly("d", "keep", "m", "old");
  }

  @Test
  void renameWithinParent_writesTheOldNameAsRelativeRedirect() throws Exception {
    mount(RedirectDir.ON);
    u.rename("/d", "/d2", 0);
    assertThat(redirectOf(fx.upper, "d2")).isEqualTo("d");
    assertThat(Fixture.names(u, "/")).containsExactly("d2", "keep", "m", "old");
    assertThat(Fixture.names(u, "/d2")).containsExactly("sub", "x");
    assertThat(Fixture.read(u, "/d2/sub/y")).isEqualTo("y");
    assertThat(errno(() -> u.getattr("/d"))).isEqualTo(Errno.ENOENT);
  }

  @Test
  void renameToAnotherParent_writesTheAbsolutePath() throws Exception {
    mount(RedirectDir.ON);
    u.rename("/d/sub", "/keep/moved", 0);
    assertThat(redirectOf(fx.upper, "keep/moved")).isEqualTo("/d/sub");
    assertThat(Fixture.names(u, "/keep")).containsExactly("k", "moved");
    assertThat(Fixture.read(u, "/keep/moved/y")).isEqualTo("y");
    assertThat(Fixture.names(u, "/d")).containsExactly("x");
  }

  @Test
  void aRelativeRedirect_becomesAbsoluteWhenTheDirLeavesItsParent_andAnAncestorsRedirectIsUsed() throws Exception {
    mount(RedirectDir.ON);
    u.rename("/d", "/e", 0); // e: "d"
    u.rename("/e", "/e2", 0); // still "d": a relative redirect holds within the parent
    assertThat(redirectOf(fx.upper, "e2")).isEqualTo("d");
    u.rename("/e2/sub", "/keep/s", 0); // the ancestor's redirect names the lower path
    assertThat(redirectOf(fx.upper, "keep/s")).isEqualTo("/d/sub");
    u.rename("/e2", "/keep/e3", 0);
    assertThat(redirectOf(fx.upper, "keep/e3")).isEqualTo("/d");
    u.rename("/keep/e3", "/e4", 0); // an absolute one is kept
    assertThat(redirectOf(fx.upper, "e4")).isEqualTo("/d");
    assertThat(Fixture.names(u, "/e4")).containsExactly("x");
    assertThat(Fixture.read(u, "/keep/s/y")).isEqualTo("y");
  }

  @Test
  void contentsOfAMovedDir_canBeChangedAndSurviveARemount() throws Exception {
    mount(RedirectDir.ON);
    u.rename("/d", "/keep/d", 0);
    Fixture.write(u, "/keep/d/x", "changed");
    u.unlink("/keep/d/sub/y");
    u.mkdir("/keep/d/new", 0755, Fixture.ROOT);
    mount(RedirectDir.FOLLOW); // a remount, only following
    assertThat(Fixture.names(u, "/keep/d")).containsExactly("new", "sub", "x");
    assertThat(Fixture.read(u, "/keep/d/x")).isEqualTo("changed");
    assertThat(Fixture.names(u, "/keep/d/sub")).isEmpty();
    assertThat(Fixture.names(u, "/")).containsExactly("keep", "m", "old");
  }

  @Test
  void aMergedDirMoves_withItsUpperAndLowerParts() throws Exception {
    Fixture.file(fx.lowers[1], "m/l1", "l1");
    mount(RedirectDir.ON);
    Fixture.write(u, "/m/up", "up");
    u.rename("/m", "/d/m2", 0);
    assertThat(Fixture.names(u, "/d/m2")).containsExactly("l1", "lm", "up");
    assertThat(errno(() -> u.getattr("/m"))).isEqualTo(Errno.ENOENT);
  }

  @Test
  void aRedirectInALowerLayer_isFollowed_andNotWithNofollow() throws Exception {
    Fixture.dir(fx.lowers[0], "new");
    Fixture.file(fx.lowers[0], "new/top", "t");
    setRedirect(fx.lowers[0], "new", "/old");
    mount(RedirectDir.FOLLOW);
    assertThat(Fixture.names(u, "/new")).containsExactly("f", "top");
    assertThat(Fixture.read(u, "/new/f")).isEqualTo("f");
    mount(RedirectDir.NOFOLLOW);
    assertThat(errno(() -> u.getattr("/new"))).isEqualTo(Errno.EPERM);
  }

  @Test
  void aRelativeRedirectInALowerLayer_looksTheNameUpInTheSameParent() throws Exception {
    Fixture.dir(fx.lowers[0], "d/sub2");
    setRedirect(fx.lowers[0], "d/sub2", "sub");
    mount(RedirectDir.FOLLOW);
    assertThat(Fixture.names(u, "/d/sub2")).containsExactly("y");
  }

  @Test
  void hostileRedirects_neverReadOutsideTheLayers() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside/secret"));
    Files.writeString(outside.resolve("passwd"), "secret");
    Files.createSymbolicLink(fx.lowers[1].resolve("link"), tmp.resolve("outside"));
    String[][] cases = {
      {"up1", "/../outside/secret"}, {"up2", ".."}, {"up3", "/old/../../outside"}, {"up4", "../outside"},
      {"up5", "/link/secret"}, {"up6", "/link"}, {"up7", "//old"}, {"up8", ""}, {"up9", "/"}, {"upa", "."},
    };
    for (String[] c : cases) {
      Fixture.dir(fx.lowers[0], c[0]);
      setRedirect(fx.lowers[0], c[0], c[1]);
    }
    mount(RedirectDir.ON);
    for (String[] c : cases) {
      int err;
      try {
        assertThat(Fixture.names(u, "/" + c[0])).as(c[0] + " -> " + c[1]).isEmpty();
        err = 0;
      } catch (ErrnoException e) {
        err = e.errno();
      }
      assertThat(err).as(c[0] + " -> " + c[1]).isIn(0, Errno.EINVAL, Errno.EACCES);
    }
    assertThat(errno(() -> u.getattr("/up1"))).isEqualTo(Errno.EACCES);
    assertThat(errno(() -> u.getattr("/up4"))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> u.getattr("/up7"))).isEqualTo(Errno.EINVAL);
  }

  @Test
  void parse_followsTheKernelsRules() throws Exception {
    assertThat(Redirects.parse("a".getBytes(), "x")).isEqualTo(new Redirects.Redirect(false, "a"));
    assertThat(Redirects.parse("/a/b".getBytes(), "x")).isEqualTo(new Redirects.Redirect(true, "a/b"));
    assertThatThrownBy(() -> Redirects.parse("a/b".getBytes(), "x")).isInstanceOf(ErrnoException.class);
    assertThatThrownBy(() -> Redirects.parse("/a//b".getBytes(), "x")).isInstanceOf(ErrnoException.class);
    assertThatThrownBy(() -> Redirects.parse("/a\0b".getBytes(), "x")).isInstanceOf(ErrnoException.class);
  }
}
