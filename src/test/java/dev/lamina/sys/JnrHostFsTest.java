package dev.lamina.sys;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native calls of {@link JnrHostFs} against a real temp directory. */
class JnrHostFsTest {
  private final HostFs fs = HostFs.get();
  @TempDir Path dir;
  private int dirfd;

  @BeforeEach
  void open() throws Exception {
    dirfd = fs.openat(AT_FDCWD, dir.toString(), O_PATH | O_DIRECTORY, 0);
  }

  @AfterEach
  void close() throws Exception {
    fs.close(dirfd);
  }

  private int create(String name, int mode) throws ErrnoException {
    return fs.openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL, mode);
  }

  @Test
  void preadPwrite_directBufferWithPosition_usesRemainingBytesOnly() throws Exception {
    int fd = create("f", 0644);
    try {
      ByteBuffer src = ByteBuffer.allocateDirect(16);
      src.put("xxhello".getBytes(StandardCharsets.US_ASCII)).flip().position(2);
      assertThat(fs.pwrite(fd, src, 3)).isEqualTo(5);
      assertThat(src.position()).isEqualTo(7);
      ByteBuffer dst = ByteBuffer.allocateDirect(16);
      dst.position(4).limit(9);
      assertThat(fs.pread(fd, dst, 3)).isEqualTo(5);
      byte[] got = new byte[5];
      dst.position(4);
      dst.get(got);
      assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("hello");
      assertThat(fs.pread(fd, ByteBuffer.allocate(4), 100)).isZero();
      ByteBuffer heap = ByteBuffer.allocate(8);
      assertThat(fs.pread(fd, heap, 0)).isEqualTo(8);
      assertThat(heap.array()).startsWith(0, 0, 0, 'h', 'e');
    } finally {
      fs.close(fd);
    }
  }

  @Test
  void statx_matchesNio() throws Exception {
    fs.close(create("f", 0640));
    Files.writeString(dir.resolve("f"), "12345");
    Files.setLastModifiedTime(dir.resolve("f"), FileTime.from(1_600_000_000_123_456_789L, TimeUnit.NANOSECONDS));
    Stat st = fs.lstat(dirfd, "f");
    Map<String, Object> nio = Files.readAttributes(dir.resolve("f"), "unix:*", LinkOption.NOFOLLOW_LINKS);
    assertThat(st.ino()).isEqualTo(((Number) nio.get("ino")).longValue());
    assertThat(st.dev()).isEqualTo(((Number) nio.get("dev")).longValue());
    assertThat(st.mode()).isEqualTo(S_IFREG | 0640);
    assertThat(st.size()).isEqualTo(5);
    assertThat(st.nlink()).isEqualTo(1);
    assertThat(st.uid()).isEqualTo(fs.geteuid());
    assertThat(st.mtimeSec()).isEqualTo(1_600_000_000L);
    assertThat(st.mtimeNsec()).isEqualTo(123_456_789L);
    assertThat(fs.lstatOrNull(dirfd, "missing")).isNull();
    assertThat(fs.lstatOrNull(dirfd, "f/below")).isNull();
    assertThatThrownBy(() -> fs.lstat(dirfd, "missing"))
        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
        .hasMessageContaining("missing");
    assertThat(fs.stat(dirfd, "", 0).isDir()).isTrue();
  }

  @Test
  void mkdirMknodSymlinkLink_createTheRightTypes() throws Exception {
    fs.mkdirat(dirfd, "d", 0750);
    fs.mknodat(dirfd, "fifo", S_IFIFO | 0600, 0);
    fs.symlinkat("../target", dirfd, "d/link");
    fs.close(create("f", 0600));
    fs.linkat(dirfd, "f", dirfd, "d/hard", 0);
    assertThat(fs.lstat(dirfd, "d").mode()).isEqualTo(S_IFDIR | 0750);
    assertThat(fs.lstat(dirfd, "fifo").type()).isEqualTo(S_IFIFO);
    assertThat(fs.readlinkat(dirfd, "d/link")).isEqualTo("../target");
    assertThat(fs.lstat(dirfd, "d/hard").nlink()).isEqualTo(2);
    assertThat(fs.lstat(dirfd, "d/hard").ino()).isEqualTo(fs.lstat(dirfd, "f").ino());
    List<DirEnt> ents = fs.listdir(dirfd, "d");
    assertThat(ents).extracting(DirEnt::name).containsExactlyInAnyOrder("link", "hard");
    assertThat(ents).filteredOn(e -> e.name().equals("link")).extracting(DirEnt::dtype).containsExactly(DT_LNK);
    fs.unlinkat(dirfd, "d/hard", 0);
    fs.unlinkat(dirfd, "d/link", 0);
    fs.unlinkat(dirfd, "d", AT_REMOVEDIR);
    assertThat(fs.lstatOrNull(dirfd, "d")).isNull();
  }

  @Test
  void mknod_whiteoutDevice_isRecognised() throws Exception {
    assumeTrue(fs.geteuid() == 0, "mknod of a character device needs root");
    fs.mknodat(dirfd, "wh", S_IFCHR, makedev(0, 0));
    fs.mknodat(dirfd, "null", S_IFCHR | 0666, makedev(1, 3));
    assertThat(fs.lstat(dirfd, "wh").isWhiteoutDevice()).isTrue();
    Stat nul = fs.lstat(dirfd, "null");
    assertThat(nul.isWhiteoutDevice()).isFalse();
    assertThat(major(nul.rdev())).isEqualTo(1);
    assertThat(minor(nul.rdev())).isEqualTo(3);
    assertThat(fs.listdir(dirfd, "")).filteredOn(e -> e.name().equals("wh")).extracting(DirEnt::dtype).containsExactly(DT_CHR);
  }

  @Test
  void renameat2_noreplaceExchangeWhiteout() throws Exception {
    Files.writeString(dir.resolve("a"), "A");
    Files.writeString(dir.resolve("b"), "B");
    assertThatThrownBy(() -> fs.renameat2(dirfd, "a", dirfd, "b", RENAME_NOREPLACE))
        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
    fs.renameat2(dirfd, "a", dirfd, "b", RENAME_EXCHANGE);
    assertThat(Files.readString(dir.resolve("a"))).isEqualTo("B");
    assertThat(Files.readString(dir.resolve("b"))).isEqualTo("A");
    if (fs.geteuid() == 0) {
      fs.renameat2(dirfd, "a", dirfd, "c", RENAME_WHITEOUT);
      assertThat(fs.lstat(dirfd, "a").isWhiteoutDevice()).isTrue();
      assertThat(Files.readString(dir.resolve("c"))).isEqualTo("B");
    }
  }

  @Test
  void chmodChownUtimens_withNanosecondsAndOmit() throws Exception {
    fs.close(create("f", 0600));
    fs.fchmodat(dirfd, "f", 04755, 0);
    assertThat(fs.lstat(dirfd, "f").mode() & 07777).isEqualTo(04755);
    fs.utimensat(dirfd, "f", 1000, 1, 2000, 999_999_999, AT_SYMLINK_NOFOLLOW);
    fs.utimensat(dirfd, "f", 0, UTIME_OMIT, 3000, 5, 0);
    Stat st = fs.lstat(dirfd, "f");
    assertThat(st.atimeSec()).isEqualTo(1000);
    assertThat(st.atimeNsec()).isEqualTo(1);
    assertThat(st.mtimeSec()).isEqualTo(3000);
    assertThat(st.mtimeNsec()).isEqualTo(5);
    fs.symlinkat("f", dirfd, "l");
    fs.utimensat(dirfd, "l", 7, 0, 8, 0, AT_SYMLINK_NOFOLLOW);
    assertThat(fs.lstat(dirfd, "l").mtimeSec()).isEqualTo(8);
    assertThat(fs.lstat(dirfd, "f").mtimeSec()).isEqualTo(3000);
    assumeTrue(fs.geteuid() == 0, "chown to another user needs root");
    fs.fchownat(dirfd, "f", 1234, 5678, AT_SYMLINK_NOFOLLOW);
    fs.fchownat(dirfd, "l", 42, -1, AT_SYMLINK_NOFOLLOW);
    assertThat(fs.lstat(dirfd, "f").uid()).isEqualTo(1234);
    assertThat(fs.lstat(dirfd, "f").gid()).isEqualTo(5678);
    assertThat(fs.lstat(dirfd, "l").uid()).isEqualTo(42);
  }

  private static final long UTIME_OMIT = (1L << 30) - 2;

  @Test
  void xattrs_userNamespace_roundTrip() throws Exception {
    fs.close(create("f", 0600));
    assertThat(fs.lgetxattr(dirfd, "f", "user.k")).isNull();
    fs.lsetxattr(dirfd, "f", "user.k", "v1".getBytes(StandardCharsets.UTF_8), 0);
    fs.lsetxattr(dirfd, "f", "user.big", new byte[3000], 0);
    assertThatThrownBy(() -> fs.lsetxattr(dirfd, "f", "user.k", new byte[] {1}, XATTR_CREATE))
        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
    assertThat(fs.lgetxattr(dirfd, "f", "user.k")).isEqualTo("v1".getBytes(StandardCharsets.UTF_8));
    assertThat(fs.lgetxattr(dirfd, "f", "user.big")).hasSize(3000);
    assertThat(fs.llistxattr(dirfd, "f")).contains("user.k", "user.big");
    int fd = fs.openat(dirfd, "f", O_RDONLY, 0);
    try {
      assertThat(fs.fgetxattr(fd, "user.k")).isEqualTo("v1".getBytes(StandardCharsets.UTF_8));
      assertThat(fs.flistxattr(fd)).contains("user.k");
      fs.fremovexattr(fd, "user.big");
    } finally {
      fs.close(fd);
    }
    fs.lremovexattr(dirfd, "f", "user.k");
    assertThat(fs.llistxattr(dirfd, "f")).doesNotContain("user.k", "user.big");
  }

  /**
   * The fd-relative calls (setxattrat, removexattrat, utimensat with AT_EMPTY_PATH) on a name below a dir fd, on
   * the fd itself (O_PATH too, which those calls refuse and the fallback serves), with a value longer than the
   * block, and on a symlink (not followed).
   */
  @Test
  void xattrsAndTimes_fdRelativeAndOnTheFdItself() throws Exception {
    fs.mkdirat(dirfd, "d", 0755);
    fs.close(create("d/f", 0600));
    fs.symlinkat("d/f", dirfd, "l");
    fs.lsetxattr(dirfd, "d/f", "user.big", new byte[3500], 0);
    assertThat(fs.lgetxattr(dirfd, "d/f", "user.big")).hasSize(3500);
    assertThatThrownBy(() -> fs.lsetxattr(dirfd, "l", "user.k", new byte[] {1}, 0))
        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
    assertThat(fs.lgetxattr(dirfd, "d/f", "user.k")).isNull();
    assertThatThrownBy(() -> fs.lremovexattr(dirfd, "d/f", "user.none"))
        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODATA));
    for (int flags : new int[] {O_PATH | O_DIRECTORY, O_RDONLY | O_DIRECTORY}) {
      int d = fs.openat(dirfd, "d", flags, 0);
      try {
        fs.lsetxattr(d, "", "user.k", new byte[] {'y'}, 0);
        assertThat(fs.lgetxattr(dirfd, "d", "user.k")).containsExactly('y');
        fs.lremovexattr(d, "", "user.k");
        assertThat(fs.lgetxattr(dirfd, "d", "user.k")).isNull();
        fs.utimensat(d, "", 11, 12, 13 + flags, 14, 0);
        Stat st = fs.lstat(dirfd, "d");
        assertThat(st.atimeSec()).isEqualTo(11);
        assertThat(st.atimeNsec()).isEqualTo(12);
        assertThat(st.mtimeSec()).isEqualTo(13 + flags);
        assertThat(st.mtimeNsec()).isEqualTo(14);
      } finally {
        fs.close(d);
      }
    }
    fs.lremovexattr(dirfd, "d/f", "user.big");
    assertThat(fs.llistxattr(dirfd, "d/f")).doesNotContain("user.big");
  }

  @Test
  void xattrs_trustedOnSymlinkAndDir_needRoot() throws Exception {
    assumeTrue(fs.geteuid() == 0, "trusted.* xattrs need CAP_SYS_ADMIN");
    fs.mkdirat(dirfd, "d", 0755);
    fs.symlinkat("nowhere", dirfd, "l");
    fs.lsetxattr(dirfd, "d", "trusted.overlay.opaque", new byte[] {'y'}, 0);
    fs.lsetxattr(dirfd, "l", "trusted.x", new byte[] {'1'}, 0);
    assertThat(fs.lgetxattr(dirfd, "d", "trusted.overlay.opaque")).containsExactly('y');
    assertThat(fs.lgetxattr(dirfd, "l", "trusted.x")).containsExactly('1');
    int d = fs.openat(dirfd, "d", O_PATH | O_DIRECTORY, 0);
    try {
      assertThat(fs.lgetxattr(d, "", "trusted.overlay.opaque")).containsExactly('y');
    } finally {
      fs.close(d);
    }
  }

  @Test
  void openBeneath_refusesSymlinksAndDotDot() throws Exception {
    fs.mkdirat(dirfd, "d", 0755);
    fs.symlinkat("/etc", dirfd, "esc");
    fs.symlinkat("d", dirfd, "ind");
    Files.writeString(dir.resolve("d/f"), "x");
    fs.close(fs.openBeneath(dirfd, "d/f", O_RDONLY, 0));
    for (String bad : new String[] {"esc/passwd", "ind/f", "esc"}) {
      assertThatThrownBy(() -> fs.openBeneath(dirfd, bad, O_RDONLY, 0))
          .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isIn(Errno.ELOOP, Errno.EXDEV));
    }
    assertThatThrownBy(() -> fs.openBeneath(dirfd, "d/../../x", O_RDONLY, 0))
        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EXDEV));
    int l = fs.openBeneath(dirfd, "esc", O_PATH | O_NOFOLLOW, 0);
    try {
      assertThat(fs.fstat(l).isSymlink()).isTrue();
      assertThat(fs.readlinkat(l, "")).isEqualTo("/etc");
    } finally {
      fs.close(l);
    }
  }

  @Test
  void fdRelative_pathsBeyondPathMax_work() // 25 * 201 bytes > PATH_MAX
      throws Exception {
    int cur = fs.dup(dirfd);
    fs.mkdirat(dirfd, "deep", 0755); // removed with rm -rf below: JUnit's cleanup cannot delete beyond PATH_MAX
    String comp = "d".repeat(200);
    fs.close(cur);
    cur = fs.openat(dirfd, "deep", O_PATH | O_DIRECTORY, 0);
    for (int i = 0; i < 25; i++) {
      fs.mkdirat(cur, comp, 0755);
      int next = fs.openat(cur, comp, O_PATH | O_DIRECTORY, 0);
      fs.close(cur);
      cur = next;
    }
    try {
      int fd = fs.openat(cur, "deep", O_WRONLY | O_CREAT, 0644);
      fs.pwrite(fd, ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
      fs.close(fd);
      assertThat(fs.lstat(cur, "deep").size()).isEqualTo(3);
      fs.lsetxattr(cur, "deep", "user.k", new byte[] {7}, 0);
      assertThat(fs.lgetxattr(cur, "deep", "user.k")).containsExactly(7);
    } finally {
      fs.close(cur);
      new ProcessBuilder("rm", "-rf", dir.resolve("deep").toString()).inheritIO().start().waitFor();
    }
  }

  @Test
  void sparseFile_seekDataHole_copyFileRange_truncate_allocate_statvfs() throws Exception {
    int fd = create("sparse", 0644);
    int out = create("copy", 0644);
    try {
      fs.pwrite(fd, ByteBuffer.wrap(new byte[4096]).put(0, (byte) 9), 1 << 20);
      assertThat(fs.lseek(fd, 0, SEEK_DATA)).isEqualTo(1 << 20);
      assertThat(fs.lseek(fd, 1 << 20, SEEK_HOLE)).isGreaterThanOrEqualTo((1 << 20) + 4096);
      assertThat(fs.lseek(fd, (1 << 20) + 8192, SEEK_DATA)).isEqualTo(-1);
      assertThat(fs.copyFileRange(fd, 1 << 20, out, 0, 4096)).isEqualTo(4096);
      ByteBuffer b = ByteBuffer.allocate(1);
      fs.pread(out, b, 0);
      assertThat(b.get(0)).isEqualTo((byte) 9);
      fs.ftruncate(out, 10);
      fs.fallocate(out, 0, 0, 8192);
      fs.fsync(out);
      fs.fdatasync(out);
      assertThat(fs.fstat(out).size()).isEqualTo(8192);
      StatVfs vfs = fs.fstatvfs(fd);
      assertThat(vfs.namemax()).isEqualTo(255);
      assertThat(vfs.bsize()).isPositive();
      assertThat(vfs.blocks()).isGreaterThanOrEqualTo(vfs.bfree());
    } finally {
      fs.close(fd);
      fs.close(out);
    }
  }

  @Test
  void readdir_largeDirectory_returnsEveryEntry() throws Exception {
    fs.mkdirat(dirfd, "big", 0755);
    for (int i = 0; i < 3000; i++) {
      fs.close(fs.openat(dirfd, "big/file-with-a-longish-name-" + i, O_WRONLY | O_CREAT, 0644));
    }
    assertThat(fs.listdir(dirfd, "big")).hasSize(3000).allMatch(e -> e.dtype() == DT_REG && e.ino() > 0);
  }

  @Test
  void utf8Names_roundTrip() throws Exception {
    String name = "naïve-日本-" + "\u00e9";
    fs.close(create(name, 0644));
    // the name on disk is its UTF-8 bytes, whatever the locale: read back by find(1), not through java.nio,
    // whose file names follow the locale (under LANG=C or POSIX they cannot hold these characters)
    assertThat(namesOnDisk(dir)).contains(name);
    assertThat(fs.listdir(dirfd, "")).extracting(DirEnt::name).contains(name);
  }

  /** The names in {@code d} as find(1) prints them, decoded as UTF-8. */
  private static List<String> namesOnDisk(Path d) throws Exception {
    Process p = new ProcessBuilder("find", d.toString(), "-mindepth", "1", "-maxdepth", "1", "-printf", "%f\\0")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).as("find %s", d).isZero();
    return List.of(new String(out, StandardCharsets.UTF_8).split("\0"));
  }

  @Test
  void readdir_255byteNames_areReadWhole() throws Exception {
    String n = "x".repeat(255);
    fs.close(create(n, 0644));
    fs.close(create("y".repeat(254), 0644));
    assertThat(fs.listdir(dirfd, "")).extracting(DirEnt::name).containsExactlyInAnyOrder(n, "y".repeat(254));
    assertThat(fs.lstatOrNull(dirfd, ".wh." + n)).as("a name that cannot exist").isNull();
  }

  /** A relative path of 20 directories of 255 bytes (5,120 bytes, over PATH_MAX) and a file in them. */
  @Test
  void pathsLongerThanPathMaxAreReachedThroughTheirDirectories() throws Exception {
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      String name = "d".repeat(250) + String.format("%05d", i);
      p.append(p.length() == 0 ? "" : "/").append(name);
      fs.mkdirat(dirfd, p.toString(), 0755);
    }
    String deep = p.toString();
    String f = deep + "/" + "f".repeat(255);
    assertThat(f.length()).isGreaterThan(4096);
    fs.close(fs.openat(dirfd, f, O_WRONLY | O_CREAT | O_EXCL, 0600));
    fs.fchmodat(dirfd, f, 0640, 0);
    assertThat(fs.lstat(dirfd, f).mode() & 07777).isEqualTo(0640);
    fs.lsetxattr(dirfd, f, "user.k", "v".getBytes(StandardCharsets.UTF_8), 0);
    assertThat(new String(fs.lgetxattr(dirfd, f, "user.k"), StandardCharsets.UTF_8)).isEqualTo("v");
    assertThat(fs.llistxattr(dirfd, f)).contains("user.k");
    fs.linkat(dirfd, f, dirfd, deep + "/g", 0);
    fs.renameat2(dirfd, deep + "/g", dirfd, deep + "/h", 0);
    fs.symlinkat("target", dirfd, deep + "/s");
    assertThat(fs.readlinkat(dirfd, deep + "/s")).isEqualTo("target");
    int beneath = fs.openBeneath(dirfd, f, O_RDONLY, 0);
    fs.close(beneath);
    assertThat(fs.listdir(dirfd, deep)).extracting(DirEnt::name).contains("h", "s");
    for (String name : List.of(f, deep + "/h", deep + "/s")) {
      fs.unlinkat(dirfd, name, 0);
    }
    assertThat(fs.lstatOrNull(dirfd, f)).isNull();
    assertThatThrownBy(() -> fs.lstat(dirfd, f)).isInstanceOf(ErrnoException.class)
        .matches(e -> ((ErrnoException) e).errno() == Errno.ENOENT);
    // @TempDir's clean-up cannot reach that deep: remove the directories from the bottom up
    for (String d = deep; !d.isEmpty(); d = d.substring(0, Math.max(0, d.lastIndexOf('/')))) {
      fs.unlinkat(dirfd, d, AT_REMOVEDIR);
    }
  }
}
