package dev.lamina.fuse.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.union.SetIdBits.Credentials;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.Timespec;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Which SETATTRs (as the kernel's FUSE client sends them, measured on 6.18) drop setuid and setgid. */
class SetIdKillTest {
  private static final int REG = 0100000;
  private static final Supplier<Credentials> OUTSIDER =
      () -> new Credentials(1002, 1002, List.of(), false, false);
  private static final Supplier<Credentials> MEMBER = () -> new Credentials(1002, 1002, List.of(0), false, false);
  private static final Supplier<Credentials> NOT_ASKED = () -> {
    throw new AssertionError("the caller's credentials were read for a file without setuid or setgid");
  };

  private static Attr file(int mode) {
    return new Attr(5, REG | mode, 1, 0, 0, 0, 4, 8, 4096, Timespec.OMIT, Timespec.OMIT, Timespec.OMIT);
  }

  @Test
  void theSetattrWithoutAttributesBeforeAFallocateDropsSetgidWithoutGroupExec() {
    assertTrue(SetIdKill.concerns(0, 0));
    assertEquals(REG | 0666, SetIdKill.setattrMode(0, 0, 0, file(02666), OUTSIDER));
    assertEquals(-1, SetIdKill.setattrMode(0, 0, 0, file(02666), MEMBER));
    assertEquals(-1, SetIdKill.setattrMode(0, 0, 0, file(0666), NOT_ASKED));
  }

  @Test
  void theKernelsModeKeepingSetgidLosesItForANonMember() {
    int valid = Protocol.FATTR_MODE;
    assertTrue(SetIdKill.concerns(valid, REG | 02666));
    assertEquals(REG | 0666, SetIdKill.setattrMode(valid, REG | 02666, 0, file(06666), OUTSIDER));
    assertEquals(REG | 02666, SetIdKill.setattrMode(valid, REG | 02666, 0, file(06666), MEMBER));
  }

  @Test
  void aTruncateDropsBothAndTimesDropNothing() {
    int size = Protocol.FATTR_SIZE;
    assertEquals(REG | 0666, SetIdKill.setattrMode(size, 0, 0, file(06666), OUTSIDER));
    assertEquals(REG | 02666, SetIdKill.setattrMode(size, 0, 0, file(06666), MEMBER));
    assertFalse(SetIdKill.concerns(Protocol.FATTR_ATIME | Protocol.FATTR_MTIME, 0));
    assertFalse(SetIdKill.concerns(Protocol.FATTR_MODE, REG | 0755));
  }

  @Test
  void anOTruncOpenOrFlaggedWriteDropsWhatAWriteDrops() {
    assertEquals(REG | 0666, SetIdKill.afterWrite(file(06666), OUTSIDER));
    assertEquals(REG | 02666, SetIdKill.afterWrite(file(06666), MEMBER));
    assertEquals(-1, SetIdKill.afterWrite(file(0644), NOT_ASKED));
  }
}
