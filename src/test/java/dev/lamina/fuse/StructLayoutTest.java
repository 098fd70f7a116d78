package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.StatLayout;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.junit.jupiter.api.Test;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.FuseOperations;
import ru.serce.jnrfuse.struct.Statvfs;

/**
 * jnr-fuse's struct layouts against the C structs of glibc and libfuse 2.9 on 64-bit Linux (x86_64 and
 * aarch64; see native-notes.md). A wrong offset here would corrupt stat results silently.
 */
class StructLayoutTest {
  private static final Runtime RT = Runtime.getSystemRuntime();

  @Test
  void fuseOperations_flagWordFollowsBmap_andSizeMatchesLibfuse29() {
    FuseOperations ops = new FuseOperations(RT);
    // 38 callbacks, then the flag bitfield (4 bytes + 4 padding), then 6 more callbacks.
    assertThat(UnionFuse.flagWordOffset()).isEqualTo(304);
    assertThat(Struct.size(ops)).isEqualTo(360);
  }

  @Test
  void fileStat_matchesGlibcStat() {
    // the table is checked against glibc's fstatat and the JDK's stat by sys.StatLayoutTest
    StatLayout l = StatLayout.current();
    assumeTrue(l != null, "no struct stat table for os.arch " + arch());
    FileStat st = new FileStat(RT);
    String of = l.arch() + " struct stat ";
    assertThat(Struct.size(st)).as(of + "size").isEqualTo(l.size());
    assertThat(st.st_dev.offset()).as(of + "st_dev").isEqualTo(l.dev());
    assertThat(st.st_ino.offset()).as(of + "st_ino").isEqualTo(l.ino());
    assertThat(st.st_mode.offset()).as(of + "st_mode").isEqualTo(l.mode());
    assertThat(st.st_nlink.offset()).as(of + "st_nlink").isEqualTo(l.nlink());
    assertThat(st.st_uid.offset()).as(of + "st_uid").isEqualTo(l.uid());
    assertThat(st.st_gid.offset()).as(of + "st_gid").isEqualTo(l.gid());
    assertThat(st.st_rdev.offset()).as(of + "st_rdev").isEqualTo(l.rdev());
    assertThat(st.st_size.offset()).as(of + "st_size").isEqualTo(l.stSize());
    assertThat(st.st_blksize.offset()).as(of + "st_blksize").isEqualTo(l.blksize());
    assertThat(st.st_blocks.offset()).as(of + "st_blocks").isEqualTo(l.blocks());
    assertThat(st.st_atim.tv_sec.offset()).as(of + "st_atim").isEqualTo(l.atime());
    assertThat(st.st_mtim.tv_sec.offset()).as(of + "st_mtim").isEqualTo(l.mtime());
    assertThat(st.st_mtim.tv_nsec.offset()).as(of + "st_mtim.tv_nsec").isEqualTo(l.mtime() + 8);
    assertThat(st.st_ctim.tv_sec.offset()).as(of + "st_ctim").isEqualTo(l.ctime());
  }

  @Test
  void fuseFileInfo_fhAt24() {
    // C: int flags; unsigned long fh_old; int writepage; bitfields (4 bytes); uint64_t fh; lock_owner.
    FuseFileInfo fi = FuseFileInfo.of(jnr.ffi.Memory.allocateDirect(RT, 64));
    assertThat(fi.fh.offset()).isEqualTo(24);
    assertThat(fi.flags.offset()).isZero();
  }

  @Test
  void statvfs_is112Bytes() {
    Statvfs s = new Statvfs(RT);
    assertThat(Struct.size(s)).isEqualTo(112);
    assertThat(s.f_namemax.offset()).isEqualTo(80);
  }

  private static String arch() {
    return System.getProperty("os.arch");
  }
}
