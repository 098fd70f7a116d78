package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static dev.lamina.union.Fixture.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.Errno;
import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.OpenFile;
import dev.lamina.union.UnionFs.Timespec;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copy-up, create, unlink, rmdir, rename, link and metadata changes, with {@code .wh.} whiteouts (the
 * device form is covered by {@link WhiteoutDeviceTest}).
 *
 * <pre>
 * lower0                         upper
 *   f.txt "lower" (0640)           up.txt "up"
 *   dir/a, dir/b                   updir/c
 *   empty/                         merged/u   (merged/ also in lower0)
 *   merged/l
 * </pre>
 */
@Timeout(120)
class OverlayWriteTest {
  @TempDir Path tmp;
  Fixture fx;
  OverlayFs u;
  Path l0;

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp, 1);
    l0 = fx.lowers[0];
    Files.setPosixFilePermissions(Fixture.file(l0, "f.txt", "lower"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    Fixture.file(l0, "dir/a", "a");
    Fixture.file(l0, "dir/b", "b");
    Fixture.dir(l0, "empty");
    Fixture.file(l0, "merged/l", "l");
    Fixture.file(fx.upper, "up.txt", "up");
    Fixture.file(fx.upper, "updir/c", "c");
    Fixture.file(fx.upper, "merged/u", "u");
    u = fx.mount(WhiteoutFormat.FILE);
  }

  @AfterEach
  void tearDown() throws Exception {
    u.close();
  }

  @Test
  void create_newFile_landsInUpperOwnedByCaller() throws Exception {
    OpenFile f = u.create("/dir/new", 0600, O_WRONLY | O_CREAT, new UnionFs.Caller(fx.fs.geteuid(), fx.fs.getegid()));
    u.write(f, ByteBuffer.wrap("hi".getBytes()), 0);
    u.release(f);
    assertThat(Files.readString(fx.upper.resolve("dir/new"))).isEqualTo("hi");
    assertThat(u.getattr("/dir/new").mode()).isEqualTo(S_IFREG | 0600);
    assertThat(Fixture.names(u, "/dir")).containsExactly("a", "b", "new");
    assertThat(errno(() -> u.create("/dir/new", 0600, O_WRONLY | O_CREAT | O_EXCL, Fixture.ROOT))).isEqualTo(Errno.EEXIST);
  }

  @Test
  void create_whiteoutName_isEINVAL() {
    assertThat(errno(() -> u.create("/.wh.x", 0600, O_WRONLY | O_CREAT, Fixture.ROOT))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> u.mkdir("/.wh..wh..opq", 0700, Fixture.ROOT))).isEqualTo(Errno.EINVAL);
  }

  @Test
  void write_lowerFile_copiesUpPreservingMetadata_lowerUnchanged() throws Exception {
    fx.fs.utimensat(AT_FDCWD, l0.resolve("f.txt").toString(), 1000, 5, 2000, 123456789, 0);
    fx.fs.lsetxattr(AT_FDCWD, l0.resolve("f.txt").toString(), "user.k", "v".getBytes(), 0);
    long ino = u.getattr("/f.txt").ino();
    OpenFile f = u.open("/f.txt", O_RDWR);
    u.write(f, ByteBuffer.wrap("L".getBytes()), 0);
    u.release(f);
    assertThat(u.getattr("/f.txt").atime()).as("atime copied with nanoseconds").isEqualTo(new Timespec(1000, 5));
    assertThat(Files.readString(l0.resolve("f.txt"))).isEqualTo("lower");
    assertThat(Fixture.read(u, "/f.txt")).isEqualTo("Lower");
    Stat st = fx.fs.lstat(AT_FDCWD, fx.upper.resolve("f.txt").toString());
    assertThat(st.mode() & 07777).isEqualTo(0640);
    assertThat(new String(fx.fs.lgetxattr(AT_FDCWD, fx.upper.resolve("f.txt").toString(), "user.k"))).isEqualTo("v");
    Attr a = u.getattr("/f.txt");
    assertThat(a.ino()).as("inode kept across copy-up").isEqualTo(ino);
  }

  @Test
  void read_neverCopiesUp() throws Exception {
    Fixture.read(u, "/f.txt");
    u.getattr("/dir/a");
    Fixture.names(u, "/dir");
    u.listxattr("/f.txt");
    assertThat(Files.exists(fx.upper.resolve("f.txt"))).isFalse();
    assertThat(Files.exists(fx.upper.resolve("dir"))).isFalse();
  }

  @Test
  void copyUp_sparseFile_staysSparse() throws Exception {
    Path p = l0.resolve("sparse");
    int fd = fx.fs.openat(AT_FDCWD, p.toString(), O_WRONLY | O_CREAT, 0644);
    fx.fs.pwrite(fd, ByteBuffer.wrap(new byte[] {1, 2, 3}), 64L << 20);
    fx.fs.close(fd);
    u.close();
    u = fx.mount(WhiteoutFormat.FILE);
    u.chmod("/sparse", 0600);
    Stat st = fx.fs.lstat(AT_FDCWD, fx.upper.resolve("sparse").toString());
    assertThat(st.size()).isEqualTo((64L << 20) + 3);
    assertThat(st.blocks() * 512).isLessThan(1 << 20);
    ByteBuffer b = ByteBuffer.allocate(3);
    OpenFile f = u.open("/sparse", O_RDONLY);
    u.read(f, b, 64L << 20);
    u.release(f);
    assertThat(b.array()).containsExactly(1, 2, 3);
  }

  @Test
  void openTrunc_lowerFile_copiesUpEmpty() throws Exception {
    u.release(u.open("/f.txt", O_WRONLY | O_TRUNC));
    assertThat(u.getattr("/f.txt").size()).isZero();
    assertThat(Files.readString(l0.resolve("f.txt"))).isEqualTo("lower");
  }

  @Test
  void unlink_lowerFile_createsWhiteout() throws Exception {
    u.unlink("/dir/a");
    assertThat(Files.exists(fx.upper.resolve("dir/.wh.a"))).isTrue();
    assertThat(Fixture.names(u, "/dir")).containsExactly("b");
    assertThat(errno(() -> u.getattr("/dir/a"))).isEqualTo(Errno.ENOENT);
    assertThat(Files.exists(l0.resolve("dir/a"))).isTrue();
  }

  @Test
  void unlink_upperOnlyFile_leavesNoWhiteout() throws Exception {
    u.unlink("/up.txt");
    try (var s = Files.list(fx.upper)) {
      assertThat(s.map(p -> p.getFileName().toString())).doesNotContain("up.txt", ".wh.up.txt");
    }
  }

  @Test
  void unlink_copiedUpFile_replacesWithWhiteout() throws Exception {
    Fixture.write(u, "/dir/a", "changed");
    u.unlink("/dir/a");
    assertThat(Files.exists(fx.upper.resolve("dir/a"))).isFalse();
    assertThat(Files.exists(fx.upper.resolve("dir/.wh.a"))).isTrue();
    assertThat(errno(() -> u.getattr("/dir/a"))).isEqualTo(Errno.ENOENT);
  }

  @Test
  void unlink_whileOpen_staysReadable_nlinkZero() throws Exception {
    OpenFile lower = u.open("/dir/a", O_RDONLY);
    OpenFile upper = u.open("/up.txt", O_RDONLY);
    u.unlink("/dir/a");
    u.unlink("/up.txt");
    ByteBuffer b = ByteBuffer.allocate(10);
    assertThat(u.read(lower, b, 0)).isEqualTo(1);
    assertThat(u.fgetattr(lower).nlink()).isZero();
    assertThat(u.read(upper, ByteBuffer.allocate(10), 0)).isEqualTo(2);
    assertThat(u.fgetattr(upper).nlink()).isZero();
    u.release(lower);
    u.release(upper);
  }

  @Test
  void recreate_afterUnlink_removesWhiteout() throws Exception {
    u.unlink("/dir/a");
    Fixture.write(u, "/dir/a", "again");
    assertThat(Fixture.read(u, "/dir/a")).isEqualTo("again");
    assertThat(Files.exists(fx.upper.resolve("dir/.wh.a"))).isFalse();
  }

  @Test
  void rmdir_mergedNonEmpty_isENOTEMPTY_andIgnoresWhiteoutedEntries() throws Exception {
    assertThat(errno(() -> u.rmdir("/dir"))).isEqualTo(Errno.ENOTEMPTY);
    u.unlink("/dir/a");
    u.unlink("/dir/b");
    assertThat(Fixture.names(u, "/dir")).isEmpty();
    u.rmdir("/dir");
    assertThat(errno(() -> u.getattr("/dir"))).isEqualTo(Errno.ENOENT);
    assertThat(Files.exists(fx.upper.resolve(".wh.dir"))).isTrue();
    assertThat(Files.exists(fx.upper.resolve("dir"))).isFalse();
  }

  @Test
  void rmdir_thenMkdir_givesOpaqueDir() throws Exception {
    u.rmdir("/empty");
    u.unlink("/dir/a");
    u.unlink("/dir/b");
    u.rmdir("/dir");
    u.mkdir("/dir", 0755, Fixture.ROOT);
    assertThat(Fixture.names(u, "/dir")).isEmpty();
    assertThat(u.getattr("/dir").mode()).isEqualTo(S_IFDIR | 0755);
    assertThat(Files.exists(fx.upper.resolve("dir/.wh..wh..opq"))).isTrue();
    assertThat(fx.fs.lgetxattr(AT_FDCWD, fx.upper.resolve("dir").toString(), "user.overlay.opaque")).containsExactly('y');
    assertThat(Files.exists(fx.upper.resolve(".wh.dir"))).isFalse();
    Fixture.write(u, "/dir/n", "n");
    assertThat(Fixture.names(u, "/dir")).containsExactly("n");
  }

  @Test
  void rmdir_upperOnlyDir_noWhiteout() throws Exception {
    u.unlink("/updir/c");
    u.rmdir("/updir");
    assertThat(Files.exists(fx.upper.resolve("updir"))).isFalse();
    assertThat(Files.exists(fx.upper.resolve(".wh.updir"))).isFalse();
  }

  @Test
  void mkdir_overExisting_isEEXIST_rmdirRoot_isEBUSY() {
    assertThat(errno(() -> u.mkdir("/dir", 0755, Fixture.ROOT))).isEqualTo(Errno.EEXIST);
    assertThat(errno(() -> u.rmdir("/"))).isEqualTo(Errno.EBUSY);
    assertThat(errno(() -> u.rmdir("/f.txt"))).isEqualTo(Errno.ENOTDIR);
    assertThat(errno(() -> u.unlink("/dir"))).isEqualTo(Errno.EISDIR);
  }

  @Test
  void rename_lowerFile_copiesUpAndLeavesWhiteout() throws Exception {
    long ino = u.getattr("/f.txt").ino();
    u.rename("/f.txt", "/g.txt", 0);
    assertThat(Fixture.read(u, "/g.txt")).isEqualTo("lower");
    assertThat(errno(() -> u.getattr("/f.txt"))).isEqualTo(Errno.ENOENT);
    assertThat(u.getattr("/g.txt").ino()).isEqualTo(ino);
    assertThat(Files.exists(fx.upper.resolve(".wh.f.txt"))).isTrue();
  }

  @Test
  void rename_overLowerFile_andBack() throws Exception {
    u.rename("/up.txt", "/f.txt", 0);
    assertThat(Fixture.read(u, "/f.txt")).isEqualTo("up");
    assertThat(errno(() -> u.getattr("/up.txt"))).isEqualTo(Errno.ENOENT);
    u.rename("/f.txt", "/up.txt", 0);
    assertThat(errno(() -> u.getattr("/f.txt"))).isEqualTo(Errno.ENOENT);
    assertThat(Fixture.read(u, "/up.txt")).isEqualTo("up");
  }

  @Test
  void rename_directoryNotPurelyUpper_isEXDEV() {
    assertThat(errno(() -> u.rename("/dir", "/dir2", 0))).isEqualTo(Errno.EXDEV);
    assertThat(errno(() -> u.rename("/merged", "/m2", 0))).isEqualTo(Errno.EXDEV);
  }

  @Test
  void rename_pureUpperDir_moves_andOntoLowerNameBecomesOpaque() throws Exception {
    u.rename("/updir", "/moved", 0);
    assertThat(Fixture.names(u, "/moved")).containsExactly("c");
    u.unlink("/dir/a");
    u.unlink("/dir/b");
    u.rename("/moved", "/dir", 0);
    assertThat(Fixture.names(u, "/dir")).containsExactly("c");
    assertThat(errno(() -> u.getattr("/moved"))).isEqualTo(Errno.ENOENT);
  }

  @Test
  void rename_flags_noreplaceAndExchange() throws Exception {
    assertThat(errno(() -> u.rename("/up.txt", "/f.txt", RENAME_NOREPLACE))).isEqualTo(Errno.EEXIST);
    u.rename("/up.txt", "/f.txt", RENAME_EXCHANGE);
    assertThat(Fixture.read(u, "/f.txt")).isEqualTo("up");
    assertThat(Fixture.read(u, "/up.txt")).isEqualTo("lower");
    assertThat(errno(() -> u.rename("/up.txt", "/nothing", RENAME_EXCHANGE))).isEqualTo(Errno.ENOENT);
    assertThat(errno(() -> u.rename("/updir", "/updir/sub", 0))).isEqualTo(Errno.EINVAL);
  }

  @Test
  void rename_fileOntoDir_isEISDIR_dirOntoFile_isENOTDIR() throws Exception {
    assertThat(errno(() -> u.rename("/up.txt", "/dir", 0))).isEqualTo(Errno.EISDIR);
    assertThat(errno(() -> u.rename("/updir", "/up.txt", 0))).isEqualTo(Errno.ENOTDIR);
  }

  @Test
  void link_lowerFile_copiesUpAndSharesInode() throws Exception {
    long ino = u.getattr("/f.txt").ino();
    u.link("/f.txt", "/dir/f2");
    assertThat(u.getattr("/dir/f2").ino()).isEqualTo(ino);
    assertThat(u.getattr("/f.txt").ino()).isEqualTo(ino);
    assertThat(u.getattr("/f.txt").nlink()).isEqualTo(2);
    Fixture.write(u, "/dir/f2", "shared");
    assertThat(Fixture.read(u, "/f.txt")).isEqualTo("shared");
    assertThat(errno(() -> u.link("/dir", "/dir3"))).isEqualTo(Errno.EPERM);
  }

  @Test
  void symlinkFifo_created() throws Exception {
    // as the user running the test (root as root): an ordinary user cannot make a fifo for another owner, whose
    // ownership would go into a user.* xattr, which the kernel refuses on fifos (EPERM)
    UnionFs.Caller me = Fixture.self();
    u.symlink("../f.txt", "/dir/ln", me);
    assertThat(u.readlink("/dir/ln")).isEqualTo("../f.txt");
    assertThat(u.getattr("/dir/ln").mode() & S_IFMT).isEqualTo(S_IFLNK);
    u.mknod("/fifo", S_IFIFO | 0644, 0, me);
    assertThat(u.getattr("/fifo").mode()).isEqualTo(S_IFIFO | 0644);
    assertThat(errno(() -> u.mknod("/wh", S_IFCHR, 0, me))).isEqualTo(Errno.EPERM);
  }

  @Test
  void chmodUtimensTruncate_lowerFile_copyUp() throws Exception {
    u.chmod("/dir/a", 04711);
    assertThat(u.getattr("/dir/a").mode()).isEqualTo(S_IFREG | 04711);
    u.utimens("/dir/b", new Timespec(10, 1), new Timespec(20, 999_999_999));
    assertThat(u.getattr("/dir/b").mtime()).isEqualTo(new Timespec(20, 999_999_999));
    u.utimens("/dir/b", Timespec.OMIT, new Timespec(30, 0));
    assertThat(u.getattr("/dir/b").atime()).isEqualTo(new Timespec(10, 1));
    u.truncate("/f.txt", 2);
    assertThat(Fixture.read(u, "/f.txt")).isEqualTo("lo");
    assertThat(Files.readString(l0.resolve("f.txt"))).isEqualTo("lower");
    assertThat(Files.getPosixFilePermissions(fx.upper.resolve("dir"), LinkOption.NOFOLLOW_LINKS)).isNotEmpty();
  }

  @Test
  void chown_asRoot_changesUpperOwner() throws Exception {
    assumeTrue(Fixture.isRoot(), "chown needs root");
    u.chown("/dir/a", 1234, -1);
    assertThat(u.getattr("/dir/a").uid()).isEqualTo(1234);
    assertThat(fx.fs.lstat(AT_FDCWD, fx.upper.resolve("dir/a").toString()).uid()).isEqualTo(1234);
  }

  @Test
  void xattrs_setCopiesUp_privateNamesRefused() throws Exception {
    u.setxattr("/dir/a", "user.k", "v".getBytes(), 0);
    assertThat(u.getxattr("/dir/a", "user.k")).isEqualTo("v".getBytes());
    assertThat(u.listxattr("/dir/a")).contains("user.k");
    u.removexattr("/dir/a", "user.k");
    assertThat(u.listxattr("/dir/a")).doesNotContain("user.k");
    assertThat(errno(() -> u.setxattr("/dir/a", "user.overlay.opaque", "y".getBytes(), 0))).isEqualTo(Errno.ENOTSUP);
    assertThat(errno(() -> u.setxattr("/dir/a", "user.containers.override_stat", "0:0:0777".getBytes(), 0))).isEqualTo(Errno.ENOTSUP);
  }

  @Test
  void oldUpper_isUsableAsLower_withItsWhiteoutsAndOpaqueDirs() throws Exception {
    u.unlink("/dir/a");
    u.unlink("/dir/b");
    u.rmdir("/dir");
    u.mkdir("/dir", 0755, Fixture.ROOT);
    Fixture.write(u, "/dir/new", "new");
    u.unlink("/f.txt");
    List<String> root = Fixture.names(u, "/");
    u.close();
    Path upper2 = Files.createDirectories(tmp.resolve("upper2"));
    Path work2 = Files.createDirectories(tmp.resolve("work2"));
    u = new OverlayFs(OverlayConfig.builder().lowerDir(fx.upper).lowerDir(l0).upperDir(upper2).workDir(work2).build());
    assertThat(Fixture.names(u, "/")).isEqualTo(root);
    assertThat(Fixture.names(u, "/dir")).containsExactly("new");
    assertThat(errno(() -> u.getattr("/f.txt"))).isEqualTo(Errno.ENOENT);
  }

  @Test
  void readdir_snapshot_offsetsStableWhileEntriesChange() throws Exception {
    UnionFs.OpenDir d = u.opendir("/dir");
    List<UnionFs.DirEntry> first = u.readdir(d, 0);
    u.unlink("/dir/a");
    Fixture.write(u, "/dir/zz", "z");
    assertThat(u.readdir(d, 2)).isEqualTo(first.subList(2, first.size()));
    u.releasedir(d);
    assertThat(Fixture.names(u, "/dir")).containsExactly("b", "zz");
  }

  @Test
  void longName_create_isENAMETOOLONG_butLongPathsWork() throws Exception {
    assertThat(errno(() -> u.mkdir("/" + "x".repeat(256), 0755, Fixture.ROOT))).isEqualTo(Errno.ENAMETOOLONG);
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < 15; i++) { // 15 * 251 bytes: beyond PATH_MAX once joined to the backing dir
      p.append('/').append(String.valueOf((char) ('a' + i)).repeat(250));
      u.mkdir(p.toString(), 0755, Fixture.ROOT);
    }
    Fixture.write(u, p + "/f", "deep");
    assertThat(Fixture.read(u, p + "/f")).isEqualTo("deep");
    new ProcessBuilder("rm", "-rf", fx.upper.resolve(p.substring(1, 251)).toString()).start().waitFor();
  }

  /** pjdfstest NN/03.t: below a lower-only directory, a whole path over PATH_MAX (the kernel sends names one at a time). */
  @Test
  void pathsOverPathMaxBelowALowerOnlyDir_work() throws Exception {
    StringBuilder p = new StringBuilder("/dir");
    for (int i = 0; i < 16; i++) {
      p.append('/').append(String.valueOf((char) ('a' + i)).repeat(255));
      u.mkdir(p.toString(), 0755, Fixture.ROOT);
    }
    String f = p + "/" + "f".repeat(255);
    assertThat(f.length()).isGreaterThan(4096);
    Fixture.write(u, f, "deep");
    u.chmod(f, 0600);
    assertThat(u.getattr(f).mode() & 07777).isEqualTo(0600);
    u.link(f, p + "/g");
    u.rename(p + "/g", p + "/h", 0);
    assertThat(Fixture.names(u, p.toString())).containsExactly("f".repeat(255), "h");
    u.unlink(f);
    u.unlink(p + "/h");
    for (String d = p.toString(); !d.equals("/dir"); d = d.substring(0, d.lastIndexOf('/'))) {
      u.rmdir(d);
    }
    assertThat(Fixture.names(u, "/dir")).containsExactly("a", "b");
  }

  /** As overlayfs without index: the copied-up name is another inode than the names left below (no shared number). */
  @Test
  void copyUpOfOneNameOfALowerHardLink_getsANumberOfItsOwn() throws Exception {
    Fixture hl = new Fixture(tmp.resolve("hl"), 1);
    Path a = Fixture.file(hl.lowers[0], "a", "x");
    Files.createLink(hl.lowers[0].resolve("b"), a);
    try (OverlayFs o = hl.mount(WhiteoutFormat.FILE)) {
      assertThat(o.getattr("/a").ino()).isEqualTo(o.getattr("/b").ino());
      o.chmod("/a", 0600);
      assertThat(o.getattr("/a").nlink()).isEqualTo(1);
      assertThat(o.getattr("/a").ino()).isNotEqualTo(o.getattr("/b").ino());
      assertThat(o.getattr("/b").nlink()).isEqualTo(2);
    }
  }

  // Regressions found by the differential suite (difftest scenario names in the test names).

  @Test
  void createFile_updatesRootMtime() throws Exception {
    // an old mtime first: no wait for the clock to tick (timestamps are only as fine as the kernel's tick)
    u.utimens("/", Timespec.OMIT, new Timespec(1_000_000_000, 0));
    Timespec before = u.getattr("/").mtime();
    Fixture.write(u, "/newroot", "x");
    assertThat(u.getattr("/").mtime()).isNotEqualTo(before);
  }

  @Test
  void rmdirNonEmpty_doesNotCopyUpParent() throws Exception {
    Fixture.file(l0, "p/q/r", "r");
    assertThat(errno(() -> u.rmdir("/p/q"))).isEqualTo(Errno.ENOTEMPTY);
    assertThat(Files.exists(fx.upper.resolve("p"))).isFalse();
  }

  @Test
  void longNames_255bytes_work() throws Exception {
    String n = "n".repeat(255);
    Fixture.write(u, "/" + n, "x");
    u.mkdir("/" + "m".repeat(255), 0755, Fixture.ROOT);
    u.rename("/f.txt", "/" + "t".repeat(255), 0);
    u.unlink("/" + n);
    assertThat(Fixture.names(u, "/")).contains("m".repeat(255), "t".repeat(255)).doesNotContain(n, "f.txt");
  }

  @Test
  void renameUpperDir_intoMergedParent_becomesOpaque() throws Exception {
    u.rename("/updir", "/merged/nd3", 0);
    assertThat(fx.fs.lgetxattr(AT_FDCWD, fx.upper.resolve("merged/nd3").toString(), "user.overlay.opaque")).containsExactly('y');
    assertThat(Fixture.names(u, "/merged/nd3")).containsExactly("c");
  }

  @Test
  void hardlinkLowerFile_appendThroughLink_visibleThroughOriginal() throws Exception {
    u.link("/f.txt", "/lf2");
    OpenFile f = u.open("/lf2", O_WRONLY | O_APPEND);
    u.write(f, ByteBuffer.wrap("x".getBytes()), u.fgetattr(f).size());
    u.release(f);
    assertThat(Fixture.read(u, "/f.txt")).isEqualTo("lowerx");
    assertThat(u.getattr("/f.txt").size()).isEqualTo(6);
  }

  @Test
  void hardlinkUpper_unlinkOneName_nlinkDrops() throws Exception {
    Fixture.write(u, "/u", "u");
    u.link("/u", "/u2");
    assertThat(u.getattr("/u").nlink()).isEqualTo(2);
    u.unlink("/u");
    assertThat(u.getattr("/u2").nlink()).isEqualTo(1);
  }

  @Test
  void copyUp_keepsParentDirTimes() throws Exception {
    fx.fs.utimensat(AT_FDCWD, l0.resolve("dir").toString(), 100, 0, 200, 7, 0);
    u.close();
    u = fx.mount(WhiteoutFormat.FILE);
    u.chmod("/dir/a", 0600);
    assertThat(u.getattr("/dir").mtime()).isEqualTo(new Timespec(200, 7));
    u.chmod("/f.txt", 0600);
    u.unlink("/dir/b");
    assertThat(u.getattr("/dir").mtime()).as("an unlink is a change").isNotEqualTo(new Timespec(200, 7));
  }

  @Test
  void rename_opaqueDirOverLower_movesAndLeavesWhiteout() throws Exception {
    u.unlink("/dir/a");
    u.unlink("/dir/b");
    u.rmdir("/dir");
    u.mkdir("/dir", 0755, Fixture.ROOT);
    Fixture.write(u, "/dir/n", "n");
    u.rename("/dir", "/moved", 0);
    assertThat(Fixture.names(u, "/moved")).containsExactly("n");
    assertThat(errno(() -> u.getattr("/dir"))).isEqualTo(Errno.ENOENT);
    assertThat(Files.exists(fx.upper.resolve(".wh.dir"))).isTrue();
  }

  @Test
  void fgetattr_openDirReplacedByRename_answersWithNlinkZero() throws Exception {
    UnionFs.Caller me = new UnionFs.Caller(fx.fs.geteuid(), fx.fs.getegid());
    u.mkdir("/x", 0755, me);
    u.mkdir("/y", 0700, me);
    long ino = u.getattr("/y").ino();
    UnionFs.OpenDir y = u.opendir("/y");
    UnionFs.OpenDir empty = u.opendir("/empty");
    u.rename("/x", "/y", 0);
    u.rename("/updir", "/empty", 0);
    Attr a = u.fgetattr(y);
    assertThat(a.ino()).isEqualTo(ino);
    assertThat(a.mode()).isEqualTo(S_IFDIR | 0700);
    assertThat(a.nlink()).isZero();
    assertThat(u.fgetattr(empty).mode() & S_IFMT).isEqualTo(S_IFDIR);
    u.releasedir(y);
    u.releasedir(empty);
  }

  @Test
  void linkId_namesOfOneUpperInodeShareIt_lowerFilesHaveNone() throws Exception {
    assertThat(u.getattr("/f.txt").linkId()).isZero();
    u.link("/f.txt", "/f2");
    u.link("/up.txt", "/dir/up2");
    assertThat(u.getattr("/f2").linkId()).isNotZero().isEqualTo(u.getattr("/f.txt").linkId());
    assertThat(u.getattr("/dir/up2").linkId()).isEqualTo(u.getattr("/up.txt").linkId())
        .isNotEqualTo(u.getattr("/f2").linkId());
    assertThat(u.getattr("/updir").linkId()).isZero();
  }
}
