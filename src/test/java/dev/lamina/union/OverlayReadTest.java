package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs.DirEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lookup, getattr, readdir, readlink, read and xattr reads through the stack.
 *
 * <pre>
 * lower1 (bottom)           lower0 (top lower)          upper
 *   a.txt "bottom"            a.txt "top"                 u.txt "upper"
 *   only1.txt                 d/x                         d/y
 *   d/z                       gone.txt -> .wh. in upper
 *   hidden/k                  .wh.hidden  (whites out lower1's hidden/)
 *   op/old                    op/ (opaque: .wh..wh..opq)  op/new from lower0
 *   esc -> /etc (symlink)
 * </pre>
 */
@Timeout(120)
class OverlayReadTest {
  @TempDir Path tmp;
  Fixture fx;
  OverlayFs u;

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp, 2);
    Path l0 = fx.lowers[0];
    Path l1 = fx.lowers[1];
    Fixture.file(l1, "a.txt", "bottom");
    Fixture.file(l1, "only1.txt", "1");
    Fixture.file(l1, "d/z", "z");
    Fixture.file(l1, "hidden/k", "k");
    Fixture.file(l1, "op/old", "old");
    Files.createSymbolicLink(l1.resolve("esc"), Path.of("/etc"));
    Fixture.file(l0, "a.txt", "top");
    Fixture.file(l0, "d/x", "x");
    Fixture.file(l0, "gone.txt", "gone");
    Fixture.fileWhiteout(l0, "hidden");
    Fixture.file(l0, "op/new", "new");
    Files.createFile(l0.resolve("op/.wh..wh..opq"));
    Fixture.file(fx.upper, "u.txt", "upper");
    Fixture.file(fx.upper, "d/y", "y");
    Fixture.fileWhiteout(fx.upper, "gone.txt");
    u = fx.mount();
  }

  @Test
  void lookup_topmostLayerWins() throws Exception {
    assertThat(Fixture.read(u, "/a.txt")).isEqualTo("top");
    assertThat(Fixture.read(u, "/only1.txt")).isEqualTo("1");
    assertThat(Fixture.read(u, "/u.txt")).isEqualTo("upper");
  }

  @Test
  void readdir_mergesLayers_dedupsAndHidesWhiteouts() throws Exception {
    assertThat(Fixture.names(u, "/")).containsExactly("a.txt", "d", "esc", "only1.txt", "op", "u.txt");
    assertThat(Fixture.names(u, "/d")).containsExactly("x", "y", "z");
    UnionFs.OpenDir d = u.opendir("/");
    List<DirEntry> all = u.readdir(d, 0);
    assertThat(all.get(0).name()).isEqualTo(".");
    assertThat(all.get(1).name()).isEqualTo("..");
    assertThat(all).filteredOn(e -> e.name().equals("d")).extracting(DirEntry::type).containsExactly(S_IFDIR);
    assertThat(all).filteredOn(e -> e.name().equals("esc")).extracting(DirEntry::type).containsExactly(S_IFLNK);
    for (DirEntry e : all.subList(2, all.size())) {
      assertThat(e.ino()).as(e.name()).isEqualTo(u.getattr("/" + e.name()).ino());
    }
  }

  @Test
  void whiteoutFile_hidesLowerEntry() throws Exception {
    assertThatThrownBy(() -> u.getattr("/gone.txt")).isInstanceOfSatisfying(ErrnoException.class,
        e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    assertThatThrownBy(() -> u.getattr("/hidden/k")).isInstanceOf(ErrnoException.class);
  }

  @Test
  void whiteoutNames_areNeverVisible() throws Exception {
    assertThatThrownBy(() -> u.getattr("/.wh.gone.txt")).isInstanceOfSatisfying(ErrnoException.class,
        e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    assertThat(Fixture.names(u, "/op")).containsExactly("new");
  }

  @Test
  void opaqueDir_stopsDescent_allThreeForms() throws Exception {
    assertThat(Fixture.names(u, "/op")).containsExactly("new");
    assertThatThrownBy(() -> u.getattr("/op/old")).isInstanceOf(ErrnoException.class);
    Fixture.file(fx.lowers[1], "ux/old", "o");
    Fixture.file(fx.lowers[0], "ux/new", "n");
    fx.opaqueXattr(fx.lowers[0], "ux", "user.overlay.opaque");
    u.close();
    u = fx.mount();
    assertThat(Fixture.names(u, "/ux")).containsExactly("new");
    assumeTrue(Fixture.isRoot(), "trusted.overlay.opaque needs root");
    Fixture.file(fx.lowers[1], "tx/old", "o");
    Fixture.file(fx.lowers[0], "tx/new", "n");
    fx.opaqueXattr(fx.lowers[0], "tx", "trusted.overlay.opaque");
    u.close();
    u = fx.mount();
    assertThat(Fixture.names(u, "/tx")).containsExactly("new");
  }

  @Test
  void deviceWhiteout_hidesLowerEntry() throws Exception {
    assumeTrue(Fixture.isRoot(), "mknod of a 0/0 device needs root");
    fx.deviceWhiteout(fx.lowers[0], "only1.txt");
    u.close();
    u = fx.mount();
    assertThat(Fixture.names(u, "/")).doesNotContain("only1.txt");
    assertThatThrownBy(() -> u.getattr("/only1.txt")).isInstanceOf(ErrnoException.class);
  }

  @Test
  void symlinkInLayer_isNeverFollowed() throws Exception {
    assertThat(u.readlink("/esc")).isEqualTo("/etc");
    assertThat(u.getattr("/esc").mode() & S_IFMT).isEqualTo(S_IFLNK);
    assertThatThrownBy(() -> u.getattr("/esc/passwd")).isInstanceOfSatisfying(ErrnoException.class,
        e -> assertThat(e.errno()).isEqualTo(Errno.ENOTDIR));
    assertThatThrownBy(() -> u.opendir("/esc")).isInstanceOf(ErrnoException.class);
  }

  @Test
  void longName_isENAMETOOLONG() {
    assertThatThrownBy(() -> u.getattr("/" + "n".repeat(256))).isInstanceOfSatisfying(ErrnoException.class,
        e -> assertThat(e.errno()).isEqualTo(Errno.ENAMETOOLONG));
  }

  @Test
  void inodes_areStableAndDistinctAcrossLayers() throws Exception {
    long a = u.getattr("/a.txt").ino();
    long one = u.getattr("/only1.txt").ino();
    long up = u.getattr("/u.txt").ino();
    assertThat(List.of(a, one, up)).doesNotHaveDuplicates();
    assertThat(u.getattr("/a.txt").ino()).isEqualTo(a);
  }

  @Test
  void hardLinksInOneLowerLayer_shareInodeAndNlink() throws Exception {
    Files.createLink(fx.lowers[1].resolve("hl"), fx.lowers[1].resolve("only1.txt"));
    u.close();
    u = fx.mount();
    assertThat(u.getattr("/hl").ino()).isEqualTo(u.getattr("/only1.txt").ino());
    assertThat(u.getattr("/hl").nlink()).isEqualTo(2);
  }

  @Test
  void xattrs_privateOnesHidden() throws Exception {
    fx.fs.lsetxattr(AT_FDCWD, fx.lowers[0].resolve("a.txt").toString(), "user.color", "red".getBytes(), 0);
    fx.fs.lsetxattr(AT_FDCWD, fx.lowers[0].resolve("a.txt").toString(), "user.overlay.x", "1".getBytes(), 0);
    fx.fs.lsetxattr(AT_FDCWD, fx.lowers[0].resolve("a.txt").toString(), "user.containers.override_stat", "0:0:0644".getBytes(), 0);
    assertThat(u.listxattr("/a.txt")).contains("user.color").doesNotContain("user.overlay.x", "user.containers.override_stat");
    assertThat(new String(u.getxattr("/a.txt", "user.color"))).isEqualTo("red");
    assertThatThrownBy(() -> u.getxattr("/a.txt", "user.overlay.x")).isInstanceOfSatisfying(ErrnoException.class,
        e -> assertThat(e.errno()).isEqualTo(Errno.ENODATA));
  }

  @Test
  void readOnlyMount_everyWriteIsEROFS() throws Exception {
    OverlayFs ro = fx.mountReadOnly();
    try {
      assertThat(Fixture.read(ro, "/a.txt")).isEqualTo("top");
      for (Fixture.ThrowingOp op : List.<Fixture.ThrowingOp>of(
          () -> ro.open("/a.txt", O_WRONLY),
          () -> ro.create("/new", 0644, O_WRONLY | O_CREAT, Fixture.ROOT),
          () -> ro.mkdir("/nd", 0755, Fixture.ROOT),
          () -> ro.unlink("/a.txt"),
          () -> ro.rmdir("/d"),
          () -> ro.rename("/a.txt", "/b.txt", 0),
          () -> ro.chmod("/a.txt", 0600),
          () -> ro.truncate("/a.txt", 0),
          () -> ro.setxattr("/a.txt", "user.k", new byte[] {1}, 0),
          () -> ro.access("/a.txt", W_OK))) {
        assertThatThrownBy(op::run).isInstanceOfSatisfying(ErrnoException.class,
            e -> assertThat(e.errno()).isEqualTo(Errno.EROFS));
      }
    } finally {
      ro.close();
    }
  }

  @Test
  void statfs_reportsUpperFs() throws Exception {
    UnionFs.StatFs s = u.statfs("/");
    assertThat(s.namemax()).isEqualTo(255);
    assertThat(s.blocks()).isPositive();
  }

  /**
   * Readdirplus takes a lower entry's attributes from the listing; whatever changed after opendir (copy-up,
   * unlink, a new upper entry, the directory copied up) must still give what getattr of the path gives.
   */
  @Test
  void getattrOfListedEntry_matchesGetattrOfPath_evenAfterChanges() throws Exception {
    Fixture.file(fx.lowers[0], "big/keep", "k");
    Fixture.file(fx.lowers[0], "big/chmod", "c");
    Fixture.file(fx.lowers[1], "big/gone", "g");
    Fixture.file(fx.lowers[1], "big/shadow", "s");
    u = fx.mount();
    UnionFs.OpenDir dir = u.opendir("/big");
    List<DirEntry> listed = u.readdir(dir, 0);
    u.chmod("/big/chmod", 0600); // copies /big up and the file
    u.unlink("/big/gone");
    u.release(u.create("/big/shadow2", 0644, O_WRONLY | O_CREAT, Fixture.ROOT));
    for (DirEntry e : listed) {
      if (e.name().equals(".") || e.name().equals("..")) {
        continue;
      }
      String path = "/big/" + e.name();
      if (e.name().equals("gone")) {
        assertThatThrownBy(() -> u.getattr(dir, "/big", e)).isInstanceOf(ErrnoException.class);
        continue;
      }
      assertThat(u.getattr(dir, "/big", e)).as(path).isEqualTo(u.getattr(path));
    }
    assertThat(u.getattr(dir, "/big", entry(listed, "chmod")).mode() & 07777).isEqualTo(0600);
    u.releasedir(dir);
    // and through a fresh listing of the now merged (upper + lower) directory
    UnionFs.OpenDir again = u.opendir("/big");
    for (DirEntry e : u.readdir(again, 2)) {
      assertThat(u.getattr(again, "/big", e)).as(e.name()).isEqualTo(u.getattr("/big/" + e.name()));
    }
    u.releasedir(again);
  }

  private static DirEntry entry(List<DirEntry> listed, String name) {
    return listed.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
  }
}
