package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.sys.FileHandle;
import dev.lamina.sys.HostFs;
import dev.lamina.union.UnionFs.DirEntry;
import dev.lamina.union.UnionFs.OpenDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inode numbers across copy-up and remount (a new union over the same dirs): a copied-up file or directory
 * keeps the number it had, from the origin recorded in the kernel's format ({@link Origin}); a lower hard link
 * gets none, as on overlayfs without index.
 *
 * <pre>
 *   lower0: f (1 link)  dir/g  dir/sub/  hl1 = hl2 (one inode, 2 links)  ln -> f
 * </pre>
 */
class OriginTest {
  @TempDir Path tmp;
  Fixture fx;
  Path l0;
  OverlayFs u;
  final HostFs fs = HostFs.get();

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp, 1);
    l0 = fx.lowers[0];
    Fixture.file(l0, "f", "f");
    Fixture.file(l0, "dir/g", "g");
    Fixture.dir(l0, "dir/sub");
    Fixture.file(l0, "hl1", "h");
    Files.createLink(l0.resolve("hl2"), l0.resolve("hl1"));
    Files.createSymbolicLink(l0.resolve("ln"), Path.of("f"));
    u = fx.mount();
  }

  @AfterEach
  void tearDown() throws Exception {
    u.close();
  }

  private long ino(Path p) throws Exception {
    return fs.lstat(AT_FDCWD, p.toString()).ino();
  }

  private Map<String, Long> numbers(String... paths) throws Exception {
    Map<String, Long> m = new HashMap<>();
    for (String p : paths) {
      m.put(p, u.getattr(p).ino());
    }
    return m;
  }

  private long readdirIno(String dir, String name) throws Exception {
    OpenDir d = u.opendir(dir);
    try {
      for (DirEntry e : u.readdir(d, 0)) {
        if (e.name().equals(name)) {
          return e.ino();
        }
      }
    } finally {
      u.releasedir(d);
    }
    throw new AssertionError(name + " not listed in " + dir);
  }

  private void remount() throws Exception {
    u.close();
    u = fx.mount();
  }

  @Test
  void copiedUpFilesAndDirs_keepTheirNumbers_afterRemount() throws Exception {
    String[] paths = {"/f", "/dir", "/dir/g", "/dir/sub", "/ln"};
    Map<String, Long> before = numbers(paths);
    assertThat(before.get("/f")).isEqualTo(ino(l0.resolve("f")));
    u.chmod("/f", 0600);
    u.chmod("/dir/g", 0600);
    u.chmod("/dir/sub", 0700);
    if (Fixture.isRoot()) {
      u.chown("/ln", 0, 0); // a symlink gets an origin only as root (no user.* xattrs on symlinks)
    }
    assertThat(fs.lstat(AT_FDCWD, fx.upper.resolve("f").toString()).ino()).isNotEqualTo(before.get("/f"));
    assertThat(numbers(paths)).as("after copy-up").isEqualTo(before);
    remount();
    assertThat(numbers(paths)).as("after remount").isEqualTo(before);
    assertThat(readdirIno("/", "f")).as("readdir after remount").isEqualTo(before.get("/f"));
    assertThat(readdirIno("/dir", "g")).isEqualTo(before.get("/dir/g"));
  }

  @Test
  void origin_isTheKernelsFormat_handleOfTheLowerInode() throws Exception {
    u.chmod("/dir/g", 0600);
    String xattr = Fixture.isRoot() ? "trusted.overlay.origin" : "user.overlay.origin";
    byte[] v = fs.lgetxattr(AT_FDCWD, fx.upper.resolve("dir/g").toString(), xattr);
    FileHandle h = fs.nameToHandle(AT_FDCWD, l0.resolve("dir/g").toString());
    assertThat(v[0]).isZero();
    assertThat(v[1] & 0xff).isEqualTo(0xfb);
    assertThat(v[2] & 0xff).isEqualTo(v.length).isEqualTo(21 + h.bytes().length);
    assertThat(v[3]).as("flags: little endian, lower").isZero();
    assertThat(v[4] & 0xff).isEqualTo(h.type());
    assertThat(java.util.Arrays.copyOfRange(v, 5, 21)).isEqualTo(fs.fsUuid(fs.openat(AT_FDCWD, l0.toString(), O_PATH, 0)));
    assertThat(java.util.Arrays.copyOfRange(v, 21, v.length)).isEqualTo(h.bytes());
    String impure = Fixture.isRoot() ? "trusted.overlay.impure" : "user.overlay.impure";
    assertThat(fs.lgetxattr(AT_FDCWD, fx.upper.resolve("dir").toString(), impure)).containsExactly('y');
    assertThat(fs.lgetxattr(AT_FDCWD, fx.upper.resolve("dir").toString(), xattr)).as("a copied-up dir has one too").isNotNull();
  }

  @Test
  void aBrokenLowerHardLink_getsNoOrigin_andItsOwnNumber() throws Exception {
    long shared = u.getattr("/hl1").ino();
    assertThat(u.getattr("/hl2").ino()).isEqualTo(shared);
    u.chmod("/hl1", 0600);
    long own = ino(fx.upper.resolve("hl1"));
    assertThat(u.getattr("/hl1").ino()).isEqualTo(own);
    assertThat(u.getattr("/hl2").ino()).isEqualTo(shared);
    remount();
    assertThat(u.getattr("/hl1").ino()).isEqualTo(own);
    assertThat(u.getattr("/hl2").ino()).isEqualTo(shared);
  }

  @Test
  void aCopiedUpFileRenamed_keepsItsNumber_asRootThroughItsHandle() throws Exception {
    long before = u.getattr("/f").ino();
    u.chmod("/f", 0600);
    u.rename("/f", "/dir/moved", 0);
    assertThat(u.getattr("/dir/moved").ino()).isEqualTo(before);
    remount();
    // without root the origin can only be checked where the lower entry is still at the same path
    long expected = Fixture.isRoot() ? before : ino(fx.upper.resolve("dir/moved"));
    assertThat(u.getattr("/dir/moved").ino()).isEqualTo(expected);
  }

  @Test
  void aForgedOrigin_namingAnotherLowerFile_isNotBelieved_byPath() throws Exception {
    // the upper g claims to come from f: rootless lookups accept an origin only at its own path; as root the
    // handle is decoded, as the kernel does (trusted.* xattrs are written by root alone)
    u.chmod("/dir/g", 0600);
    u.close();
    String xattr = Fixture.isRoot() ? "trusted.overlay.origin" : "user.overlay.origin";
    byte[] fOrigin = Origin.ofLower(fs.fsUuid(fs.openat(AT_FDCWD, l0.toString(), O_PATH, 0)),
        fs.nameToHandle(AT_FDCWD, l0.resolve("f").toString())).encode();
    fs.lsetxattr(AT_FDCWD, fx.upper.resolve("dir/g").toString(), xattr, fOrigin, 0);
    u = fx.mount();
    long got = u.getattr("/dir/g").ino();
    long expected = Fixture.isRoot() ? ino(l0.resolve("f")) : ino(fx.upper.resolve("dir/g"));
    assertThat(got).isEqualTo(expected);
  }

  /** As an ordinary user: euid 1000, and open_by_handle_at refused (EPERM) as without CAP_DAC_READ_SEARCH. */
  private static HostFs unprivileged() {
    HostFs user = RootlessSemanticsTest.asUser1000();
    return (HostFs) java.lang.reflect.Proxy.newProxyInstance(HostFs.class.getClassLoader(), new Class<?>[] {HostFs.class},
        (p, m, args) -> {
          if (m.getName().equals("openByHandle")) {
            throw new dev.lamina.sys.ErrnoException(dev.lamina.sys.Errno.EPERM, "open_by_handle_at", "(test)");
          }
          try {
            return m.invoke(user, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private OverlayFs mountUnprivileged() throws Exception {
    return new OverlayFs(unprivileged(), fx.config().whiteoutFormat(WhiteoutFormat.FILE).overrideStat(true).build());
  }

  @Test
  void withoutRoot_userOverlayOrigin_foundByPathAndHandle() throws Exception {
    u.close();
    u = mountUnprivileged();
    Map<String, Long> before = numbers("/f", "/dir/g", "/dir/sub");
    u.chmod("/f", 0600);
    u.chmod("/dir/g", 0600);
    u.chmod("/dir/sub", 0700);
    u.close();
    assertThat(fs.lgetxattr(AT_FDCWD, fx.upper.resolve("f").toString(), "user.overlay.origin")).isNotNull();
    assertThat(fs.lgetxattr(AT_FDCWD, fx.upper.resolve("dir/sub").toString(), "user.overlay.origin")).isNotNull();
    assertThat(fs.lgetxattr(AT_FDCWD, fx.upper.resolve("dir").toString(), "user.overlay.impure")).containsExactly('y');
    if (Fixture.isRoot()) {
      assertThat(fs.lgetxattr(AT_FDCWD, fx.upper.resolve("f").toString(), "trusted.overlay.origin")).isNull();
    }
    u = mountUnprivileged();
    assertThat(numbers("/f", "/dir/g", "/dir/sub")).isEqualTo(before);
    // renamed after its copy-up: the lower entry at its new path is not its origin, and the handle cannot be
    // decoded without CAP_DAC_READ_SEARCH, so it shows its own number from the next mount on
    u.rename("/f", "/dir/moved", 0);
    assertThat(u.getattr("/dir/moved").ino()).isEqualTo(before.get("/f"));
    u.close();
    u = mountUnprivileged();
    assertThat(u.getattr("/dir/moved").ino()).isEqualTo(ino(fx.upper.resolve("dir/moved")));
  }

  @Test
  void malformedOrigins_areIgnored() {
    assertThat(Origin.parse(null)).isNull();
    assertThat(Origin.parse(new byte[0])).isNull();
    byte[] ok = Origin.ofLower(new byte[16], new FileHandle(1, new byte[8])).encode();
    assertThat(Origin.parse(ok)).isEqualTo(Origin.ofLower(new byte[16], new FileHandle(1, new byte[8])));
    byte[] badMagic = ok.clone();
    badMagic[1] = 0x12;
    assertThat(Origin.parse(badMagic)).isNull();
    byte[] tooLong = ok.clone();
    tooLong[2] = (byte) (ok.length + 1);
    assertThat(Origin.parse(tooLong)).isNull();
    byte[] newer = ok.clone();
    newer[0] = 1;
    assertThat(Origin.parse(newer)).isNull();
    byte[] unknownFlag = ok.clone();
    unknownFlag[3] = 0x10;
    assertThat(Origin.parse(unknownFlag)).isNull();
    assertThat(Origin.parse(java.util.Arrays.copyOf(ok, 20))).isNull();
  }
}
