package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs.Caller;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mode of new entries, as the kernel's overlayfs gives it (xfstests generic/099): the caller's mode masked
 * by the upper directory's default ACL where it has one, by the caller's umask otherwise; the backing files
 * are not chmod'ed back to the unmasked mode. Root and rootless (owner bits kept, the mode in override_stat).
 */
@Timeout(120)
class NewEntryModeTest {
  static final String DEFAULT_ACL = "system.posix_acl_default";
  static final String ACCESS_ACL = "system.posix_acl_access";
  @TempDir Path tmp;
  Fixture fx;

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp, 1);
    Fixture.dir(fx.upper, "acl");
    Fixture.dir(fx.upper, "plain");
    Fixture.dir(fx.lowers[0], "lacl");
    try {
      // setfacl -m d:u::r-x,d:u:1234:rwx,d:g::r--,d:m::r-x,d:o::---
      byte[] value =
          acl(new int[][] {{0x01, 5, -1}, {0x02, 7, 1234}, {0x04, 4, -1}, {0x10, 5, -1}, {0x20, 0, -1}});
      fx.fs.lsetxattr(AT_FDCWD, fx.upper.resolve("acl").toString(), DEFAULT_ACL, value, 0);
      fx.fs.lsetxattr(AT_FDCWD, fx.lowers[0].resolve("lacl").toString(), DEFAULT_ACL, value, 0);
    } catch (ErrnoException e) {
      assumeTrue(e.errno() != Errno.EOPNOTSUPP, "the temp dir's filesystem has no POSIX ACLs: skipped");
      throw e;
    }
  }

  /** A system.posix_acl_* value: version 2, then (tag, perm, id) per entry, -1 for no id. */
  static byte[] acl(int[][] entries) {
    ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.length).order(ByteOrder.LITTLE_ENDIAN).putInt(2);
    for (int[] e : entries) {
      b.putShort((short) e[0]).putShort((short) e[1]).putInt(e[2]);
    }
    return b.array();
  }

  private int upperMode(String rel) throws Exception {
    return fx.fs.lstat(AT_FDCWD, fx.upper.resolve(rel).toString()).mode() & 07777;
  }

  private byte[] upperXattr(String rel, String name) throws Exception {
    return fx.fs.lgetxattr(AT_FDCWD, fx.upper.resolve(rel).toString(), name);
  }

  @Test
  void withoutDefaultAcl_callerUmaskMasks() throws Exception {
    assumeTrue(Fixture.isRoot(), "needs root (new entries are chowned to the caller)");
    OverlayFs u = fx.mount();
    Caller c = new Caller(0, 0, 0722);
    u.release(u.create("/plain/f", 0666, O_WRONLY | O_CREAT, c));
    u.mkdir("/plain/s", 0777, c);
    u.mknod("/plain/p", S_IFIFO | 0666, 0, c);
    assertThat(u.getattr("/plain/f").mode()).isEqualTo(S_IFREG | 0044);
    assertThat(u.getattr("/plain/s").mode()).isEqualTo(S_IFDIR | 0055);
    assertThat(u.getattr("/plain/p").mode()).isEqualTo(S_IFIFO | 0044);
    assertThat(upperMode("plain/f")).isEqualTo(0044);
  }

  @Test
  void defaultAcl_decidesInsteadOfUmask_andIsInherited() throws Exception {
    assumeTrue(Fixture.isRoot(), "needs root (new entries are chowned to the caller)");
    OverlayFs u = fx.mount();
    Caller c = new Caller(0, 0, 0722);
    u.release(u.create("/acl/f", 0666, O_WRONLY | O_CREAT, c));
    u.mkdir("/acl/s", 0777, c);
    u.mknod("/acl/p", S_IFIFO | 0640, 0, c);
    // u::r-x masks the owner, the mask m::r-x the group class, o::--- the others; the umask plays no part
    assertThat(u.getattr("/acl/f").mode()).isEqualTo(S_IFREG | 0440);
    assertThat(u.getattr("/acl/s").mode()).isEqualTo(S_IFDIR | 0550);
    assertThat(u.getattr("/acl/p").mode()).isEqualTo(S_IFIFO | 0440);
    assertThat(upperXattr("acl/f", ACCESS_ACL)).isNotNull(); // the named user's entry came along
    assertThat(upperXattr("acl/s", DEFAULT_ACL)).isEqualTo(upperXattr("acl", DEFAULT_ACL));
  }

  @Test
  void defaultAclOfLowerDir_decidesAfterItsCopyUp() throws Exception {
    assumeTrue(Fixture.isRoot(), "needs root (new entries are chowned to the caller)");
    OverlayFs u = fx.mount();
    u.release(u.create("/lacl/f", 0666, O_WRONLY | O_CREAT, new Caller(0, 0, 022)));
    assertThat(u.getattr("/lacl/f").mode()).isEqualTo(S_IFREG | 0440);
    assertThat(upperXattr("lacl", DEFAULT_ACL)).isNotNull();
  }

  @Test
  void rootless_defaultAcl_modeInOverride_ownerBitsOnDisk() throws Exception {
    OverlayFs u = new OverlayFs(RootlessSemanticsTest.asUser1000(),
        fx.config().whiteoutFormat(WhiteoutFormat.FILE).overrideStat(true).build());
    int me = fx.fs.geteuid();
    Caller c = new Caller(me, fx.fs.getegid(), 022);
    u.release(u.create("/acl/f", 0666, O_WRONLY | O_CREAT, c));
    u.mkdir("/acl/s", 0777, c);
    assertThat(u.getattr("/acl/f").mode()).isEqualTo(S_IFREG | 0440);
    assertThat(u.getattr("/acl/s").mode()).isEqualTo(S_IFDIR | 0550);
    assertThat(upperMode("acl/f") & 0600).isEqualTo(0600);
    assertThat(upperMode("acl/s") & 0700).isEqualTo(0700);
    assertThat(new String(upperXattr("acl/f", "user.containers.override_stat"))).endsWith(":0440");
  }
}
