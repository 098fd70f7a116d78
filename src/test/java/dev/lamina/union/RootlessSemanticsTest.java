package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.sys.HostFs;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decisions the union makes when it runs without root (override_stat instead of chown, owner bits kept
 * on the real files, devices as plain files), on real directories. The host calls are the real ones; only
 * geteuid/getegid answer 1000, so the test also runs in a root CI. (The real unprivileged mount is covered by
 * difftest's UnprivilegedMountIT.)
 *
 * <pre>
 * lower0: f (0:0 0644 "x"), ro/ (0555) with ro/g
 * </pre>
 */
@Timeout(120)
class RootlessSemanticsTest {
  @TempDir Path tmp;
  Fixture fx;
  OverlayFs u;

  static HostFs asUser1000() {
    HostFs real = HostFs.get();
    return (HostFs) Proxy.newProxyInstance(HostFs.class.getClassLoader(), new Class<?>[] {HostFs.class},
        (p, m, args) -> {
          if (m.getName().equals("geteuid") || m.getName().equals("getegid")) {
            return 1000;
          }
          try {
            return m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private String override(String rel) throws Exception {
    byte[] v = fx.fs.lgetxattr(AT_FDCWD, fx.upper.resolve(rel).toString(), "user.containers.override_stat");
    return v == null ? null : new String(v);
  }

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp, 1);
    Fixture.file(fx.lowers[0], "f", "x");
    Files.setPosixFilePermissions(fx.lowers[0].resolve("f"), PosixFilePermissions.fromString("rw-r--r--"));
    Fixture.file(fx.lowers[0], "ro/g", "g");
    Files.setPosixFilePermissions(fx.lowers[0].resolve("ro"), PosixFilePermissions.fromString("r-xr-xr-x"));
    u = new OverlayFs(asUser1000(), fx.config().whiteoutFormat(WhiteoutFormat.FILE).overrideStat(true).build());
  }

  @Test
  void copyUp_ofForeignOwnedFile_recordsOwnerInOverride() throws Exception {
    int owner = fx.fs.lstat(AT_FDCWD, fx.lowers[0].resolve("f").toString()).uid();
    u.utimens("/f", UnionFs.Timespec.NOW, UnionFs.Timespec.NOW);
    assertThat(override("f")).isEqualTo(owner + ":" + owner + ":0644");
  }

  @Test
  void chmodChown_writeOverride_presentedByGetattr() throws Exception {
    u.chmod("/f", 04700);
    u.chown("/f", 5, 6);
    assertThat(override("f")).isEqualTo("5:6:0700"); // chown clears set-user-ID
    UnionFs.Attr a = u.getattr("/f");
    assertThat(a.uid()).isEqualTo(5);
    assertThat(a.gid()).isEqualTo(6);
    assertThat(a.mode()).isEqualTo(S_IFREG | 0700);
  }

  @Test
  void copyUp_readOnlyDir_staysWritableForUs_modeInOverride() throws Exception {
    Fixture.write(u, "/ro/new", "n");
    assertThat(fx.fs.lstat(AT_FDCWD, fx.upper.resolve("ro").toString()).mode() & 0777).isEqualTo(0755);
    assertThat(override("ro")).endsWith(":0555");
    assertThat(u.getattr("/ro").mode()).isEqualTo(S_IFDIR | 0555);
  }

  @Test
  void mknodDevice_isPlainFileWithOverride() throws Exception {
    u.mknod("/null", S_IFCHR | 0666, makedev(1, 3), new UnionFs.Caller(0, 0));
    assertThat(fx.fs.lstat(AT_FDCWD, fx.upper.resolve("null").toString()).isRegular()).isTrue();
    assertThat(override("null")).isEqualTo("0:0:0666:char-1-3");
    UnionFs.Attr a = u.getattr("/null");
    assertThat(a.mode()).isEqualTo(S_IFCHR | 0666);
    assertThat(a.rdev()).isEqualTo(makedev(1, 3));
  }

  @Test
  void mkdir_byOtherCaller_recordsCallerInOverride() throws Exception {
    u.mkdir("/d", 0750, new UnionFs.Caller(5, 5));
    assertThat(override("d")).isEqualTo("5:5:0750");
    assertThat(u.getattr("/d").uid()).isEqualTo(5);
    assertThat(u.getattr("/d").mode()).isEqualTo(S_IFDIR | 0750);
  }
}
