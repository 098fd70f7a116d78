package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.run.IdMapping;
import dev.lamina.run.SubIds;
import dev.lamina.union.IdMap;
import org.junit.jupiter.api.Test;

class RunContainerTest {
  @Test
  void unionMap_imageIdsShowAsTheNamespaceMapsThem_onDiskOwnerShowsAsRoot() throws Exception {
    IdMapping m =
        IdMapping.withRanges(1001, 1001, new SubIds.Range(100000, 65536), new SubIds.Range(100000, 65536));
    IdMap u = RunContainer.unionMap(m.uids());
    assertThat(u.toPresented(0)).isEqualTo(1001);
    assertThat(u.toPresented(1000)).isEqualTo(100999);
    assertThat(u.toPresented(1001)).as("a symlink owned by the user on disk").isEqualTo(1001);
    assertThat(u.toPresented(70000)).isEqualTo(IdMap.OVERFLOW_ID);
    assertThat(u.toBacking(1001, "/x")).as("root inside stores 0").isZero();
    assertThat(u.toBacking(100999, "/x")).isEqualTo(1000);
  }

  @Test
  void unionMap_rootOnly() throws Exception {
    IdMap u = RunContainer.unionMap(IdMapping.rootOnly(1001, 1001).uids());
    assertThat(u.toPresented(0)).isEqualTo(1001);
    assertThat(u.toPresented(1001)).isEqualTo(1001);
    assertThat(u.toBacking(1001, "/x")).isZero();
    assertThat(u.toPresented(1000)).as("squashed to the user, root inside").isEqualTo(1001);
  }

  @Test
  void unionMap_hostIdentity_isTheIdentity() {
    assertThat(RunContainer.unionMap(IdMapping.hostIdentity().uids()).isIdentity()).isTrue();
  }
}
