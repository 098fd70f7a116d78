package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs.Attr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code user.containers.override_stat} and uid/gid mapping, as a rootless extractor records them.
 *
 * <pre>
 * lower0: suid (override 0:0:04755), dev (plain file, override 0:6:0660:char-1-3), plain
 * </pre>
 */
class RootlessOwnershipTest {
  @TempDir Path tmp;

  private static void override(Fixture fx, Path p, String v) throws Exception {
    fx.fs.lsetxattr(AT_FDCWD, p.toString(), "user.containers.override_stat", v.getBytes(StandardCharsets.UTF_8), 0);
  }

  @Test
  void overrideStat_parseAndFormat() {
    OverrideStat o = OverrideStat.parse("1000:100:0755".getBytes());
    assertThat(o).isEqualTo(new OverrideStat(1000, 100, 0755, 0, 0));
    OverrideStat d = OverrideStat.parse("0:0:0666:char-1-3".getBytes());
    assertThat(d.type()).isEqualTo(S_IFCHR);
    assertThat(major(d.rdev())).isEqualTo(1);
    assertThat(minor(d.rdev())).isEqualTo(3);
    assertThat(new String(d.format())).isEqualTo("0:0:0666:char-1-3");
    assertThat(OverrideStat.parse("0:0:0755:dir".getBytes()).type()).isEqualTo(S_IFDIR);
    assertThat(OverrideStat.parse("0:0:0100644".getBytes())).isEqualTo(new OverrideStat(0, 0, 0644, S_IFREG, 0));
    assertThat(OverrideStat.parse("garbage".getBytes())).isNull();
    assertThat(OverrideStat.parse("1:2".getBytes())).isNull();
  }

  @Test
  void getattr_showsOverrideOwnerModeAndDevice() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    override(fx, Fixture.file(fx.lowers[0], "suid", "x"), "0:0:04755");
    override(fx, Fixture.file(fx.lowers[0], "dev", ""), "0:6:0660:char-1-3");
    Fixture.file(fx.lowers[0], "plain", "p");
    try (OverlayFs u = new OverlayFs(fx.config().overrideStat(true).whiteoutFormat(WhiteoutFormat.FILE).build())) {
      Attr s = u.getattr("/suid");
      assertThat(s.mode()).isEqualTo(S_IFREG | 04755);
      assertThat(s.uid()).isZero();
      Attr d = u.getattr("/dev");
      assertThat(d.mode()).isEqualTo(S_IFCHR | 0660);
      assertThat(d.gid()).isEqualTo(6);
      assertThat(d.rdev()).isEqualTo(makedev(1, 3));
      assertThat(u.listxattr("/suid")).doesNotContain("user.containers.override_stat");
    }
  }

  @Test
  void chmod_withOverride_updatesTheXattr() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    override(fx, Fixture.file(fx.lowers[0], "f", "x"), "0:0:0644");
    try (OverlayFs u = new OverlayFs(fx.config().overrideStat(true).whiteoutFormat(WhiteoutFormat.FILE).build())) {
      u.chmod("/f", 04711);
      assertThat(u.getattr("/f").mode()).isEqualTo(S_IFREG | 04711);
      String v = new String(fx.fs.lgetxattr(AT_FDCWD, fx.upper.resolve("f").toString(), "user.containers.override_stat"));
      assertThat(v).isEqualTo("0:0:04711");
    }
  }

  @Test
  void idMap_parseAndMap() throws Exception {
    IdMap m = IdMap.parse("0:1000:1:1:100000:65536");
    assertThat(m.toPresented(0)).isEqualTo(1000);
    assertThat(m.toPresented(5)).isEqualTo(100004);
    assertThat(m.toPresented(70000)).isEqualTo(IdMap.OVERFLOW_ID);
    assertThat(m.toBacking(1000, "/x")).isZero();
    assertThat(m.toBacking(100004, "/x")).isEqualTo(5);
    assertThat(m.toBacking(-1, "/x")).isEqualTo(-1);
    assertThatThrownBy(() -> m.toBacking(42, "/x")).isInstanceOfSatisfying(ErrnoException.class,
        e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    assertThat(IdMap.parse("").isIdentity()).isTrue();
    assertThatThrownBy(() -> IdMap.parse("0:1")).isInstanceOf(IllegalArgumentException.class);
    assertThat(m.toString()).isEqualTo("0:1000:1:1:100000:65536");
  }

  @Test
  void idMap_appliesToGetattrAndChown() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    Fixture.file(fx.lowers[0], "f", "x");
    int me = fx.fs.geteuid();
    int myGid = fx.fs.getegid();
    OverlayConfig cfg = fx.config().whiteoutFormat(WhiteoutFormat.FILE).overrideStat(!Fixture.isRoot())
        .uidMap(IdMap.parse(me + ":5000:1")).gidMap(IdMap.parse(myGid + ":6000:1")).build();
    try (OverlayFs u = new OverlayFs(cfg)) {
      assertThat(u.getattr("/f").uid()).isEqualTo(5000);
      assertThat(u.getattr("/f").gid()).isEqualTo(6000);
      u.chown("/f", 5000, 6000);
      assertThat(fx.fs.lstat(AT_FDCWD, fx.upper.resolve("f").toString()).uid()).isEqualTo(me);
      assertThatThrownBy(() -> u.chown("/f", 1, -1)).isInstanceOfSatisfying(ErrnoException.class,
          e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
      u.mkdir("/d", 0755, new UnionFs.Caller(5000, 6000));
      assertThat(u.getattr("/d").uid()).isEqualTo(5000);
    }
  }

  @Test
  void recordedDeviceNode_withoutOverrideStat_staysADeviceAcrossCopyUpAndChmod() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    override(fx, Fixture.file(fx.lowers[0], "null", ""), "0:0:0666:char-1-3");
    try (OverlayFs u = new OverlayFs(fx.config().overrideStat(false).whiteoutFormat(WhiteoutFormat.FILE).build())) {
      assertThat(u.getattr("/null").mode()).isEqualTo(S_IFCHR | 0666);
      u.chmod("/null", 0600);
      assertThat(u.getattr("/null").mode()).isEqualTo(S_IFCHR | 0600);
      assertThat(u.getattr("/null").rdev()).isEqualTo(makedev(1, 3));
      u.chown("/null", 7, 8);
      assertThat(u.getattr("/null").uid()).isEqualTo(7);
      assertThat(new String(fx.fs.lgetxattr(AT_FDCWD, fx.upper.resolve("null").toString(), "user.containers.override_stat")))
          .isEqualTo("7:8:0600:char-1-3");
    }
  }
}
