package dev.lamina.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The struct layouts of this architecture against the running kernel and glibc, with the JDK's own compiled
 * stat (NIO's {@code unix:*} attributes) and lamina's statx as the oracles: glibc's {@code struct stat}
 * ({@link StatLayout}), lamina's statx and statvfs. Run on x86_64 by {@code scripts/test} and on arm64 under
 * qemu by {@code scripts/test-arm64}.
 */
class StatLayoutTest {
  /** glibc's fstatat(3) (a real symbol since glibc 2.33), bound here only to read struct stat raw. */
  public interface Glibc {
    int fstatat(int dirfd, @In byte[] path, @Out Pointer buf, int flags);
  }

  private static final Runtime RT = Runtime.getSystemRuntime();
  private final HostFs fs = HostFs.get();
  @TempDir Path dir;

  @Test
  void glibcStructStat_fieldsSitWhereThisArchitecturesTableSays() throws Exception {
    StatLayout layout = StatLayout.current();
    assumeTrue(layout != null, "no struct stat table for os.arch " + System.getProperty("os.arch"));
    Path f = dir.resolve("f");
    Files.write(f, new byte[12345]);
    Files.createLink(dir.resolve("g"), f); // nlink 2
    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    if (fs.geteuid() == 0) {
      // distinct uid and gid, so that reading one at the other's offset shows
      Files.setAttribute(f, "unix:uid", 1234, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(f, "unix:gid", 5678, LinkOption.NOFOLLOW_LINKS);
    }
    Files.setLastModifiedTime(f, FileTime.from(1_600_000_000_123_456_789L, TimeUnit.NANOSECONDS));
    checkAgainstNio(layout, f);
    checkAgainstNio(layout, Path.of("/dev/null")); // a character device: rdev 1:3
  }

  private void checkAgainstNio(StatLayout l, Path p) throws Exception {
    Pointer buf = Memory.allocateDirect(RT, 256);
    Glibc glibc = LibraryLoader.create(Glibc.class).load("c");
    int rc = glibc.fstatat(Fcntl.AT_FDCWD, JnrHostFs.cstr(p.toString()), buf, Fcntl.AT_SYMLINK_NOFOLLOW);
    assertThat(rc).as("fstatat(%s)", p).isZero();
    Map<String, Object> nio = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    String at = l.arch() + " struct stat of " + p + ": ";
    assertThat(buf.getLong(l.dev())).as(at + "st_dev").isEqualTo(num(nio, "dev"));
    assertThat(buf.getLong(l.ino())).as(at + "st_ino").isEqualTo(num(nio, "ino"));
    assertThat(buf.getInt(l.mode()) & 0xffff).as(at + "st_mode").isEqualTo(num(nio, "mode"));
    long nlink = l.nlinkWidth() == 8 ? buf.getLong(l.nlink()) : buf.getInt(l.nlink()) & 0xffffffffL;
    assertThat(nlink).as(at + "st_nlink").isEqualTo(num(nio, "nlink"));
    assertThat(buf.getInt(l.uid())).as(at + "st_uid").isEqualTo(num(nio, "uid"));
    assertThat(buf.getInt(l.gid())).as(at + "st_gid").isEqualTo(num(nio, "gid"));
    assertThat(buf.getLong(l.rdev())).as(at + "st_rdev").isEqualTo(num(nio, "rdev"));
    assertThat(buf.getLong(l.stSize())).as(at + "st_size").isEqualTo(num(nio, "size"));
    long mtimeNs = ((FileTime) nio.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
    assertThat(buf.getLong(l.mtime()) * 1_000_000_000L + buf.getLong(l.mtime() + 8))
        .as(at + "st_mtim").isEqualTo(mtimeNs);
    long ctimeNs = ((FileTime) nio.get("ctime")).to(TimeUnit.NANOSECONDS);
    assertThat(buf.getLong(l.ctime()) * 1_000_000_000L + buf.getLong(l.ctime() + 8))
        .as(at + "st_ctim").isEqualTo(ctimeNs);
    // no NIO attribute for these: statx (one layout everywhere) is the oracle
    Stat sx = fs.lstat(Fcntl.AT_FDCWD, p.toString());
    long blksize = l.blksizeWidth() == 8 ? buf.getLong(l.blksize()) : buf.getInt(l.blksize());
    assertThat(blksize).as(at + "st_blksize").isEqualTo(sx.blksize());
    assertThat(buf.getLong(l.blocks())).as(at + "st_blocks").isEqualTo(sx.blocks());
    assertThat(buf.getLong(l.atime())).as(at + "st_atim").isEqualTo(sx.atimeSec());
  }

  @Test
  void statx_agreesWithTheJdksStat_onEveryFieldLaminaUses() throws Exception {
    assumeTrue(!StatLayout.forced(), "statx has one layout; nothing to force");
    Path f = dir.resolve("f");
    Files.write(f, new byte[70000]);
    Files.createLink(dir.resolve("g"), f);
    Files.setLastModifiedTime(f, FileTime.from(1_500_000_000_987_654_321L, TimeUnit.NANOSECONDS));
    for (Path p : new Path[] {f, dir, Path.of("/dev/null")}) {
      Stat st = fs.lstat(Fcntl.AT_FDCWD, p.toString());
      Map<String, Object> nio = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
      assertThat(st.dev()).as("dev of %s", p).isEqualTo(num(nio, "dev"));
      assertThat(st.ino()).as("ino of %s", p).isEqualTo(num(nio, "ino"));
      assertThat((long) st.mode()).as("mode of %s", p).isEqualTo(num(nio, "mode"));
      assertThat(st.nlink()).as("nlink of %s", p).isEqualTo(num(nio, "nlink"));
      assertThat((long) st.uid()).as("uid of %s", p).isEqualTo(num(nio, "uid"));
      assertThat((long) st.gid()).as("gid of %s", p).isEqualTo(num(nio, "gid"));
      assertThat(st.rdev()).as("rdev of %s", p).isEqualTo(num(nio, "rdev"));
      assertThat(st.size()).as("size of %s", p).isEqualTo(num(nio, "size"));
      assertThat(st.mtimeSec() * 1_000_000_000L + st.mtimeNsec()).as("mtime of %s", p)
          .isEqualTo(((FileTime) nio.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS));
    }
    assertThat(fs.lstat(Fcntl.AT_FDCWD, "/dev/null").rdev()).isEqualTo(Fcntl.makedev(1, 3));
  }

  @Test
  void statvfs_agreesWithTheJdksFileStore() throws Exception {
    assumeTrue(!StatLayout.forced(), "statvfs has one layout on both; nothing to force");
    int fd = fs.openat(Fcntl.AT_FDCWD, dir.toString(), Fcntl.O_RDONLY | Fcntl.O_DIRECTORY, 0);
    try {
      StatVfs v = fs.fstatvfs(fd);
      java.nio.file.FileStore store = Files.getFileStore(dir);
      assertThat(v.blocks() * v.frsize()).isEqualTo(store.getTotalSpace());
      assertThat(v.namemax()).isEqualTo(255);
    } finally {
      fs.close(fd);
    }
  }

  @Test
  void openFlags_haveThisArchitecturesMeaning() throws Exception {
    assumeTrue(!StatLayout.forced(), "open flags follow os.arch; nothing to force");
    // O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE differ between x86_64 and arm64 (Fcntl): with the
    // other architecture's bits these opens would succeed or fail differently
    Files.writeString(dir.resolve("file"), "x");
    Files.createSymbolicLink(dir.resolve("link"), Path.of("file"));
    Files.createDirectory(dir.resolve("sub"));
    String base = dir + "/";
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> fs.openat(Fcntl.AT_FDCWD, base + "file", Fcntl.O_RDONLY | Fcntl.O_DIRECTORY, 0))
        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTDIR));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> fs.openat(Fcntl.AT_FDCWD, base + "link", Fcntl.O_RDONLY | Fcntl.O_NOFOLLOW, 0))
        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ELOOP));
    int fd = fs.openat(Fcntl.AT_FDCWD, base + "link", Fcntl.O_PATH | Fcntl.O_NOFOLLOW, 0);
    try {
      assertThat(fs.fstat(fd).isSymlink()).isTrue();
    } finally {
      fs.close(fd);
    }
    fd = fs.openat(Fcntl.AT_FDCWD, base + "sub", Fcntl.O_RDONLY | Fcntl.O_DIRECTORY | Fcntl.O_LARGEFILE, 0);
    fs.close(fd);
  }

  private static long num(Map<String, Object> attrs, String key) {
    return ((Number) attrs.get(key)).longValue();
  }
}
