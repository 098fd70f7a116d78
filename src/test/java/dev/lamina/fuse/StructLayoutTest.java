package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;

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
    FileStat st = new FileStat(RT);
    assertThat(Struct.size(st)).isEqualTo(128 + 16 * ("aarch64".equals(arch()) ? 0 : 1));
    if ("amd64".equals(arch()) || "x86_64".equals(arch())) {
      // x86_64 struct stat: dev 0, ino 8, nlink 16, mode 24, uid 28, gid 32, rdev 40, size 48,
      // blksize 56, blocks 64, atim 72, mtim 88, ctim 104; 144 bytes
      assertThat(st.st_ino.offset()).isEqualTo(8);
      assertThat(st.st_nlink.offset()).isEqualTo(16);
      assertThat(st.st_mode.offset()).isEqualTo(24);
      assertThat(st.st_size.offset()).isEqualTo(48);
      assertThat(st.st_blocks.offset()).isEqualTo(64);
      assertThat(st.st_atim.tv_sec.offset()).isEqualTo(72);
      assertThat(st.st_mtim.tv_nsec.offset()).isEqualTo(96);
      assertThat(st.st_ctim.tv_sec.offset()).isEqualTo(104);
    }
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
