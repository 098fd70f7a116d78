package dev.lamina.union;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.union.SetIdBits.Credentials;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel's rules for dropping setuid and setgid (fs/attr.c), as xfstests generic/683-685 check them. */
class SetIdBitsTest {
  private static final int REG = 0100000;
  private static final Credentials OUTSIDER = new Credentials(1002, 1002, List.of(1002), false, false);
  private static final Credentials MEMBER = new Credentials(1002, 1002, List.of(0), false, false);
  private static final Credentials ROOT = new Credentials(0, 0, List.of(), true, true);
  /** Root of a child user namespace: CAP_FSETID there, not in the initial one. */
  private static final Credentials NS_ROOT = new Credentials(0, 5, List.of(), false, true);

  @Test
  void aCallerOutsideTheGroupDropsBothBitsWithOrWithoutGroupExec() {
    assertEquals(06000, SetIdBits.dropped(REG | 06666, 0, OUTSIDER));
    assertEquals(02000, SetIdBits.dropped(REG | 02666, 0, OUTSIDER));
    assertEquals(06000, SetIdBits.dropped(REG | 06766, 0, OUTSIDER));
    assertEquals(06000, SetIdBits.dropped(REG | 06777, 0, OUTSIDER));
  }

  @Test
  void aGroupMemberKeepsSetgidWithoutGroupExecOnly() {
    assertEquals(04000, SetIdBits.dropped(REG | 06666, 0, MEMBER));
    assertEquals(0, SetIdBits.dropped(REG | 02666, 0, MEMBER));
    assertEquals(02000, SetIdBits.dropped(REG | 02676, 0, MEMBER));
    assertEquals(0, SetIdBits.dropped(REG | 02666, 1002, OUTSIDER)); // the file's group is its own gid
  }

  @Test
  void capFsetidKeepsEverythingAndOnlyRegularFilesLoseBits() {
    assertEquals(0, SetIdBits.dropped(REG | 06777, 0, ROOT));
    assertEquals(0, SetIdBits.dropped(0040000 | 02775, 0, OUTSIDER));
    assertEquals(04000, SetIdBits.dropped(REG | 06666, 0, NS_ROOT)); // setuid goes: not capable()
    assertEquals(0, SetIdBits.dropped(REG | 0666, 0, OUTSIDER));
  }

  @Test
  void chmodKeepsSetgidOnlyForMembersAndPrivilegedCallers() {
    assertEquals(0755, SetIdBits.chmodMode(02755, 0, OUTSIDER));
    assertEquals(02755, SetIdBits.chmodMode(02755, 0, MEMBER));
    assertEquals(02755, SetIdBits.chmodMode(02755, 0, ROOT));
    assertEquals(02755, SetIdBits.chmodMode(02755, 0, NS_ROOT));
    assertEquals(04755, SetIdBits.chmodMode(04755, 0, OUTSIDER));
  }
}
