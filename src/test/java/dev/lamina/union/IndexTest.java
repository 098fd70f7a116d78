package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.FileHandle;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inode index (index=on) in the core, without FUSE: its names and nlink xattr format, and over real dirs (as
 * root: the index needs file handles) one inode for every name of a lower hard link across copy-up, link counts
 * through copy-up, unlink and remount, the index entry going with the last name, and the mount-time checks.
 *
 * <pre>
 *   lower0: d/a = d/b = c (one inode, 3 links)   single (1 link)
 * </pre>
 */
class IndexTest {
  @TempDir Path tmp;
  final HostFs fs = HostFs.get();
  OverlayFs u;

  @AfterEach
  void tearDown() {
    if (u != null) {
      u.close();
    }
  }

  // ---- format

  @Test
  void name_isTheLowercaseHexOfTheOriginFileHandle() {
    byte[] uuid = new byte[16];
    uuid[0] = (byte) 0xAB;
    Origin o = new Origin(0, uuid, new FileHandle(1, new byte[] {0x56, (byte) 0x87, 0x19, 0, 0x79, (byte) 0xcc, 0x17, (byte) 0x80}));
    // as the kernel names it: version 0, magic fb, length 21 + 8, flags, type, uuid, fid
    assertThat(Index.name(o)).isEqualTo("00fb1d0001ab000000000000000000000000000000" + "5687190079cc1780");
    assertThat(Index.unhex(Index.name(o))).isEqualTo(o.encode());
    assertThat(Index.checkName(Index.name(o))).isZero();
    assertThat(Index.unhex(Index.name(o).toUpperCase())).as("hex2bin takes either case").isEqualTo(o.encode());
  }

  @Test
  void checkName_refusesWhatIsNoHandle_andTreatsUnknownVersionsAsTheKernelDoes() {
    String good = "00fb1d0001000000000000000000000000000000005687190079cc1780";
    assertThat(Index.checkName("0123")).isEqualTo(Errno.EINVAL); // too short (the kernel: EINVAL, mount refused)
    assertThat(Index.checkName(good.replace("00fb", "00fa"))).isEqualTo(Errno.EINVAL); // magic
    assertThat(Index.checkName("zz" + good.substring(2))).isEqualTo(Errno.EINVAL); // no hex
    assertThat(Index.checkName(good.replace("00fb1d", "00fb2d"))).isEqualTo(Errno.EINVAL); // longer than the name
    assertThat(Index.checkName("01" + good.substring(2))).isEqualTo(Errno.ENODATA); // a newer version
    assertThat(Index.checkName(good.replace("00fb1d00", "00fb1d80"))).isEqualTo(Errno.ENODATA); // unknown flags
  }

  @Test
  void nlinkXattr_isWrittenAsTheKernelsPercentPlusI() {
    assertThat(str(new Index.Nlink(false, 1).bytes())).isEqualTo("U+1");
    assertThat(str(new Index.Nlink(false, 0).bytes())).isEqualTo("U+0");
    assertThat(str(new Index.Nlink(false, -1).bytes())).isEqualTo("U-1");
    assertThat(str(new Index.Nlink(true, 12).bytes())).isEqualTo("L+12");
  }

  @Test
  void nlinkXattr_isReadAsOvlGetNlink() {
    assertThat(Index.Nlink.parse(bytes("U+1"))).isEqualTo(new Index.Nlink(false, 1));
    assertThat(Index.Nlink.parse(bytes("L-2"))).isEqualTo(new Index.Nlink(true, -2));
    assertThat(Index.Nlink.parse(bytes("U+1\n"))).isEqualTo(new Index.Nlink(false, 1));
    for (String bad : new String[] {"", "U", "U1", "X+1", "U+", "U+1x", "U+ 1", "U++1"}) {
      assertThat(Index.Nlink.parse(bytes(bad))).as(bad).isNull();
    }
    assertThat(Index.Nlink.parse(null)).isNull();
    // U: relative to the upper inode's links (the index entry counted), L: to the lower inode's
    assertThat(Index.Nlink.count(new Index.Nlink(false, 1), 2, 3, 99)).isEqualTo(3);
    assertThat(Index.Nlink.count(new Index.Nlink(true, -1), 2, 3, 99)).isEqualTo(2);
    // the fallback: a lower inode of one link, no value, or a count that is not positive
    assertThat(Index.Nlink.count(new Index.Nlink(false, 1), 2, 1, 99)).isEqualTo(99);
    assertThat(Index.Nlink.count(null, 2, 3, 99)).isEqualTo(99);
    assertThat(Index.Nlink.count(new Index.Nlink(false, -1), 1, 3, 0)).isZero();
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.US_ASCII);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  // ---- over real dirs

  private Fixture fixture() throws Exception {
    assumeTrue(Fixture.isRoot(), "IndexTest's union tests skipped: index=on needs root (file handles)");
    Fixture fx = new Fixture(tmp, 1);
    Path l0 = fx.lowers[0];
    Fixture.file(l0, "d/a", "hello\n");
    Files.createLink(l0.resolve("d/b"), l0.resolve("d/a"));
    Files.createLink(l0.resolve("c"), l0.resolve("d/a"));
    Fixture.file(l0, "single", "one\n");
    try {
      fs.nameToHandle(AT_FDCWD, l0.toString());
    } catch (ErrnoException e) {
      assumeTrue(false, "IndexTest's union tests skipped: " + tmp + " makes no file handles");
    }
    return fx;
  }

  private OverlayFs mount(Fixture fx) throws Exception {
    return new OverlayFs(fx.config().index(true).build());
  }

  private Path indexDir(Fixture fx) {
    return fx.work.resolve(Index.DIR);
  }

  private List<Path> indexEntries(Fixture fx) throws Exception {
    try (var s = Files.list(indexDir(fx))) {
      return s.toList();
    }
  }

  private String xattr(Path p, String name) throws Exception {
    byte[] v = fs.lgetxattr(AT_FDCWD, p.toString(), name);
    return v == null ? null : str(v);
  }

  @Test
  void copyUpThroughOneName_keepsEveryNameOneInode_withTheLowerNumberAndLinkCount() throws Exception {
    Fixture fx = fixture();
    u = mount(fx);
    long ino = u.getattr("/d/a").ino();
    Fixture.write(u, "/d/a", "changed\n");
    for (String p : new String[] {"/d/a", "/d/b", "/c"}) {
      assertThat(u.getattr(p).ino()).as(p).isEqualTo(ino);
      assertThat(u.getattr(p).nlink()).as(p).isEqualTo(3);
      assertThat(Fixture.read(u, p)).as(p).isEqualTo("changed\n");
    }
    // on disk, as the kernel: the index entry and d/a are one upper inode, the other names still lower
    List<Path> idx = indexEntries(fx);
    assertThat(idx).hasSize(1);
    Stat ix = fs.lstat(AT_FDCWD, idx.get(0).toString());
    Stat up = fs.lstat(AT_FDCWD, fx.upper.resolve("d/a").toString());
    assertThat(up.ino()).isEqualTo(ix.ino());
    assertThat(up.nlink()).isEqualTo(2);
    assertThat(Files.exists(fx.upper.resolve("d/b"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(xattr(idx.get(0), Index.TRUSTED_NLINK)).isEqualTo("U+1");
    assertThat(Index.hex(fs.lgetxattr(AT_FDCWD, idx.get(0).toString(), Origin.TRUSTED)))
        .isEqualTo(idx.get(0).getFileName().toString());
    // a write through another name links it to the same inode (link-up)
    Fixture.write(u, "/c", "again\n");
    assertThat(fs.lstat(AT_FDCWD, fx.upper.resolve("c").toString()).ino()).isEqualTo(ix.ino());
    assertThat(Fixture.read(u, "/d/b")).isEqualTo("again\n");
    assertThat(xattr(idx.get(0), Index.TRUSTED_NLINK)).isEqualTo("U+0");
    u.close();
    u = mount(fx);
    for (String p : new String[] {"/d/a", "/d/b", "/c"}) {
      assertThat(u.getattr(p).ino()).as("after remount " + p).isEqualTo(ino);
      assertThat(u.getattr(p).nlink()).as("after remount " + p).isEqualTo(3);
    }
  }

  @Test
  void unlinkingEveryName_dropsTheCount_andTheIndexEntryWithTheLast() throws Exception {
    Fixture fx = fixture();
    u = mount(fx);
    u.unlink("/d/b"); // a lower name: copied up into the index first, as ovl_nlink_start
    assertThat(indexEntries(fx)).hasSize(1);
    assertThat(u.getattr("/d/a").nlink()).isEqualTo(2);
    assertThat(u.getattr("/c").nlink()).isEqualTo(2);
    u.link("/c", "/c2");
    assertThat(u.getattr("/d/a").nlink()).isEqualTo(3);
    u.unlink("/c2");
    u.unlink("/c");
    assertThat(u.getattr("/d/a").nlink()).isEqualTo(1);
    assertThat(indexEntries(fx)).hasSize(1);
    u.close();
    u = mount(fx);
    assertThat(u.getattr("/d/a").nlink()).as("after remount").isEqualTo(1);
    u.rename("/single", "/d/a", 0); // the last name replaced
    assertThat(indexEntries(fx)).as("the index entry goes with the last name").isEmpty();
  }

  @Test
  void twoNamesCopiedUpAtOnce_endAsOneInode_withTheRightCount() throws Exception {
    Fixture fx = fixture();
    u = mount(fx);
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (String p : new String[] {"/d/a", "/d/b"}) {
        done.add(pool.submit(() -> {
          start.await();
          u.chmod(p, 0640);
          return null;
        }));
      }
      for (var f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(indexEntries(fx)).hasSize(1);
    Stat ix = fs.lstat(AT_FDCWD, indexEntries(fx).get(0).toString());
    assertThat(ix.nlink()).as("the index entry, d/a and d/b").isEqualTo(3);
    for (String p : new String[] {"d/a", "d/b"}) {
      assertThat(fs.lstat(AT_FDCWD, fx.upper.resolve(p).toString()).ino()).as(p).isEqualTo(ix.ino());
    }
    for (String p : new String[] {"/d/a", "/d/b", "/c"}) {
      assertThat(u.getattr(p).nlink()).as(p).isEqualTo(3);
      assertThat(u.getattr(p).mode() & 07777).as(p).isEqualTo(0640);
    }
  }

  @Test
  void mountingOverOtherLowerDirs_isRefusedWithEstale() throws Exception {
    Fixture fx = fixture();
    u = mount(fx);
    u.close();
    u = null;
    Path other = Files.createDirectories(tmp.resolve("other"));
    OverlayConfig c = OverlayConfig.builder().lowerDir(other).upperDir(fx.upper).workDir(fx.work).index(true).build();
    assertThatThrownBy(() -> new OverlayFs(c)).isInstanceOf(ErrnoException.class)
        .hasMessageContaining("other lower dirs").hasMessageContaining(fx.upper.toString())
        .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.ESTALE));
    // index=off mounts it, as on the kernel
    new OverlayFs(OverlayConfig.builder().lowerDir(other).upperDir(fx.upper).workDir(fx.work).build()).close();
  }

  @Test
  void cleanupAtMount_removesLeftoversAndStaleEntries_keepsWhiteouts_refusesWhatIsNoHandle() throws Exception {
    Fixture fx = fixture();
    u = mount(fx);
    Fixture.write(u, "/d/a", "x");
    u.close();
    u = null;
    Path ix = indexEntries(fx).get(0);
    String name = ix.getFileName().toString();
    String other = name.substring(0, name.length() - 1) + (name.endsWith("0") ? "1" : "0");
    Files.writeString(indexDir(fx).resolve("#leftover"), "");
    Files.writeString(indexDir(fx).resolve(other), "stale"); // its origin names another entry
    fs.lsetxattr(AT_FDCWD, indexDir(fx).resolve(other).toString(), Origin.TRUSTED, Index.unhex(name), 0);
    String wh = name.substring(0, name.length() - 2) + "ff";
    fs.mknodat(AT_FDCWD, indexDir(fx).resolve(wh).toString(), S_IFCHR | 0600, 0);
    u = mount(fx);
    assertThat(indexEntries(fx).stream().map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(name, wh);
    u.close();
    u = null;
    Files.writeString(indexDir(fx).resolve("0123"), "");
    assertThatThrownBy(() -> mount(fx)).isInstanceOf(ErrnoException.class).hasMessageContaining("0123")
        .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL));
  }

  @Test
  void withoutRoot_indexOnFallsBackToOff_asTheKernelInAUserNamespace() throws Exception {
    Fixture fx = fixture();
    HostFs real = HostFs.get();
    HostFs user = (HostFs) java.lang.reflect.Proxy.newProxyInstance(HostFs.class.getClassLoader(),
        new Class<?>[] {HostFs.class}, (p, m, args) -> {
          if (m.getName().equals("geteuid")) {
            return 1000; // the union's view of who runs it: an ordinary user
          }
          try {
            return m.invoke(real, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    u = new OverlayFs(user, fx.config().index(true).build());
    Fixture.write(u, "/d/a", "changed\n");
    assertThat(Fixture.read(u, "/d/b")).isEqualTo("hello\n");
    assertThat(Files.exists(indexDir(fx))).isFalse();
  }

  @Test
  void withoutIndex_aCopiedUpHardLinkComesApart() throws Exception {
    Fixture fx = fixture();
    u = new OverlayFs(fx.config().build());
    Fixture.write(u, "/d/a", "changed\n");
    assertThat(Fixture.read(u, "/d/b")).isEqualTo("hello\n");
    assertThat(u.getattr("/d/a").nlink()).isEqualTo(1);
    assertThat(Files.exists(indexDir(fx))).isFalse();
  }
}
