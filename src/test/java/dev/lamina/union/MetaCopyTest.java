package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static dev.lamina.union.Fixture.errno;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.sys.Errno;
import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.OpenFile;
import dev.lamina.union.UnionFs.Timespec;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metadata-only copy-up (metacopy=on) in the kernel's format: what chmod, chown, utimens, setxattr, rename and
 * link leave in the upper dir, where the data is read from, when the data is copied, and what a mount with
 * metacopy=off does with such files. As root the xattr is trusted.overlay.metacopy, without root
 * user.overlay.metacopy.
 *
 * <pre>
 * lower1: f "lower data" (with user.color=blue)  d/g "g data"  big (64 KiB)
 * lower0: (empty)
 * upper:  (empty)
 * </pre>
 */
@Timeout(120)
class MetaCopyTest {
  @TempDir Path tmp;
  Fixture fx;
  OverlayFs u;
  final String xattr = Fixture.isRoot() ? MetaCopy.TRUSTED : MetaCopy.USER;
  final String redirect = Fixture.isRoot() ? Redirects.TRUSTED : Redirects.USER;

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp.resolve("layers"), 2);
    Path f = Fixture.file(fx.lowers[1], "f", "lower data");
    fx.fs.lsetxattr(AT_FDCWD, f.toString(), "user.color", "blue".getBytes(StandardCharsets.UTF_8), 0);
    Fixture.file(fx.lowers[1], "d/g", "g data");
    Fixture.file(fx.lowers[1], "big", "x".repeat(65536));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fx != null) {
      fx.unmount();
    }
  }

  private OverlayFs mount(boolean metacopy) throws Exception {
    u = fx.remount(fx.config().metacopy(metacopy));
    return u;
  }

  private boolean isMetacopy(String rel) throws Exception {
    return xattrOf(fx.upper, rel, xattr) != null;
  }

  private String xattrOf(Path layer, String rel, String name) throws Exception {
    byte[] v = fx.fs.lgetxattr(AT_FDCWD, layer.resolve(rel).toString(), name);
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  private Stat upperStat(String rel) throws Exception {
    return fx.fs.lstat(AT_FDCWD, fx.upper.resolve(rel).toString());
  }

  @Test
  void chmod_copiesUpOnlyTheMetadata_asASparseFileWithTheXattr_andReadsTheLowerData() throws Exception {
    mount(true);
    u.chmod("/big", 0600);
    Stat up = upperStat("big");
    assertThat(isMetacopy("big")).isTrue();
    assertThat(xattrOf(fx.upper, "big", xattr)).isEmpty(); // the kernel's value without fs-verity
    assertThat(up.size()).isEqualTo(65536);
    assertThat(up.blocks() * 512).isLessThanOrEqualTo(4096); // no data blocks (at most an xattr block)
    assertThat(up.mode() & 07777).isEqualTo(0600);
    assertThat(Fixture.read(u, "/big")).hasSize(65536).matches("x+");
    UnionFs.Attr a = u.getattr("/big");
    assertThat(a.mode() & 07777).isEqualTo(0600);
    assertThat(a.size()).isEqualTo(65536);
    // st_blocks of the data file, as the kernel shows
    assertThat(a.blocks()).isEqualTo(fx.fs.lstat(AT_FDCWD, fx.lowers[1].resolve("big").toString()).blocks());
  }

  @Test
  void chownUtimensAndSetxattr_copyUpOnlyTheMetadata_keepingTheLowersXattrs() throws Exception {
    mount(true);
    u.utimens("/f", new Timespec(1000, 5), new Timespec(2000, 7));
    assertThat(isMetacopy("f")).isTrue();
    assertThat(xattrOf(fx.upper, "f", "user.color")).isEqualTo("blue");
    assertThat(new String(u.getxattr("/f", "user.color"), StandardCharsets.UTF_8)).isEqualTo("blue");
    assertThat(u.listxattr("/f")).containsExactly("user.color"); // the overlay's own xattrs stay hidden
    assertThat(u.getattr("/f").mtime()).isEqualTo(new Timespec(2000, 7));
    u.setxattr("/d/g", "user.k", "v".getBytes(StandardCharsets.UTF_8), 0);
    assertThat(isMetacopy("d/g")).isTrue();
    assertThat(Fixture.read(u, "/d/g")).isEqualTo("g data");
    assertThat(Fixture.read(u, "/f")).isEqualTo("lower data");
  }

  @Test
  void withMetacopyOff_chmodCopiesTheData() throws Exception {
    mount(false);
    u.chmod("/f", 0600);
    assertThat(isMetacopy("f")).isFalse();
    assertThat(Files.readString(fx.upper.resolve("f"))).isEqualTo("lower data");
  }

  @Test
  void openForWriting_copiesTheDataInPlace_andRemovesTheXattr() throws Exception {
    mount(true);
    u.chmod("/f", 0640);
    long ino = upperStat("f").ino();
    OpenFile reader = u.open("/f", O_RDONLY);
    try {
      OpenFile w = u.open("/f", O_WRONLY);
      try {
        assertThat(isMetacopy("f")).isFalse();
        assertThat(Files.readString(fx.upper.resolve("f"))).isEqualTo("lower data");
        assertThat(upperStat("f").ino()).isEqualTo(ino); // in place, as the kernel
        ByteBuffer b = ByteBuffer.allocateDirect(5);
        b.put("LOWER".getBytes(StandardCharsets.UTF_8)).flip();
        u.write(w, b, 0);
      } finally {
        u.release(w);
      }
      // a reader opened on the lower data moves to the full copy
      ByteBuffer r = ByteBuffer.allocateDirect(64);
      int n = u.read(reader, r, 0);
      r.flip();
      byte[] got = new byte[n];
      r.get(got);
      assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("LOWER data");
    } finally {
      u.release(reader);
    }
    assertThat(u.getattr("/f").mode() & 07777).isEqualTo(0640);
  }

  @Test
  void truncate_andOpenWithOTrunc_endTheMetadataOnlyCopy() throws Exception {
    mount(true);
    u.chmod("/f", 0600);
    u.chmod("/big", 0600);
    u.truncate("/f", 5);
    assertThat(isMetacopy("f")).isFalse();
    assertThat(Fixture.read(u, "/f")).isEqualTo("lower");
    OpenFile t = u.open("/big", O_WRONLY | O_TRUNC);
    u.release(t);
    assertThat(isMetacopy("big")).isFalse();
    assertThat(u.getattr("/big").size()).isZero();
  }

  @Test
  void rename_recordsWhereTheDataIs_andARemountReadsIt() throws Exception {
    mount(true);
    u.chmod("/d/g", 0600);
    u.rename("/d/g", "/d/g2", 0);
    assertThat(xattrOf(fx.upper, "d/g2", redirect)).isEqualTo("g");
    u.rename("/d/g2", "/moved", 0);
    assertThat(xattrOf(fx.upper, "moved", redirect)).isEqualTo("/d/g");
    // a lower file renamed is copied up metadata-only and redirected too
    u.rename("/f", "/d/f2", 0);
    assertThat(isMetacopy("d/f2")).isTrue();
    assertThat(xattrOf(fx.upper, "d/f2", redirect)).isEqualTo("/f");
    assertThat(Fixture.names(u, "/")).containsExactly("big", "d", "moved");
    mount(true);
    assertThat(Fixture.read(u, "/moved")).isEqualTo("g data");
    assertThat(Fixture.read(u, "/d/f2")).isEqualTo("lower data");
    assertThat(Fixture.names(u, "/d")).containsExactly("f2");
    Fixture.write(u, "/moved", "new");
    assertThat(isMetacopy("moved")).isFalse();
    assertThat(Fixture.read(u, "/moved")).isEqualTo("new");
  }

  @Test
  void link_ofAMetadataOnlyCopy_setsAnAbsoluteRedirect_andBothNamesRead() throws Exception {
    mount(true);
    u.chmod("/d/g", 0600);
    u.link("/d/g", "/g-link");
    assertThat(xattrOf(fx.upper, "d/g", redirect)).isEqualTo("/d/g");
    mount(true);
    assertThat(Fixture.read(u, "/g-link")).isEqualTo("g data");
    assertThat(Fixture.read(u, "/d/g")).isEqualTo("g data");
  }

  @Test
  void withMetacopyOff_aMetadataOnlyCopyIsRefusedWithEperm_aSparseFileIsNot() throws Exception {
    mount(true);
    u.chmod("/f", 0600);
    try (RandomAccessFile r = new RandomAccessFile(fx.upper.resolve("sparse").toFile(), "rw")) {
      r.setLength(4096); // no blocks, no xattr
    }
    mount(false);
    assertThat(errno(() -> u.getattr("/f"))).isEqualTo(Errno.EPERM);
    assertThat(u.getattr("/sparse").size()).isEqualTo(4096);
    assertThat(Fixture.read(u, "/big")).hasSize(65536);
  }

  @Test
  void aMetadataOnlyCopyWithoutLowerData_isEio() throws Exception {
    try (RandomAccessFile r = new RandomAccessFile(fx.upper.resolve("orphan").toFile(), "rw")) {
      r.setLength(10);
    }
    fx.fs.lsetxattr(AT_FDCWD, fx.upper.resolve("orphan").toString(), xattr, new byte[0], 0);
    mount(true);
    assertThat(errno(() -> u.getattr("/orphan"))).isEqualTo(Errno.EIO);
  }

  @Test
  void aMalformedXattr_isEio() throws Exception {
    mount(true);
    u.chmod("/f", 0600);
    fx.fs.lsetxattr(AT_FDCWD, fx.upper.resolve("f").toString(), xattr, new byte[] {1, 2, 3}, 0);
    mount(true);
    assertThat(errno(() -> u.getattr("/f"))).isEqualTo(Errno.EIO);
  }

  @Test
  void anOldUpperAsALowerLayer_readsItsMetadataOnlyCopies_fromTheLayerBelow() throws Exception {
    mount(true);
    u.chmod("/f", 0600);
    u.close();
    u = null;
    // lower0 := the old upper (a metadata-only copy of f over lower1's f)
    Files.move(fx.lowers[0], tmp.resolve("empty0"));
    Files.move(fx.upper, fx.lowers[0]);
    Files.createDirectories(fx.upper);
    mount(true);
    assertThat(Fixture.read(u, "/f")).isEqualTo("lower data");
    assertThat(u.getattr("/f").mode() & 07777).isEqualTo(0600);
    // listed (readdirplus answers from the listing unless the entry is a metadata-only copy)
    UnionFs.OpenDir dir = u.opendir("/");
    try {
      for (UnionFs.DirEntry e : u.readdir(dir, 2)) {
        if (e.name().equals("f")) {
          assertThat(u.getattr(dir, "/", e).blocks())
              .isEqualTo(fx.fs.lstat(AT_FDCWD, fx.lowers[1].resolve("f").toString()).blocks());
        }
      }
    } finally {
      u.releasedir(dir);
    }
    u.chmod("/f", 0644); // a copy of a copy: still metadata-only, its data in lower1
    assertThat(isMetacopy("f")).isTrue();
    Fixture.write(u, "/f", "w");
    assertThat(Fixture.read(u, "/f")).isEqualTo("w");
    mount(false);
    assertThat(Fixture.read(u, "/f")).isEqualTo("w");
  }
}
