package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdMappingTest {

  @Test
  void withRanges_rootIsTheUser_restFollowsTheRange() {
    IdMapping m =
        IdMapping.withRanges(1001, 1002, new SubIds.Range(100000, 65536), new SubIds.Range(200000, 1000));
    assertThat(m.hasRanges()).isTrue();
    assertThat(m.mapsUid(65536)).isTrue();
    assertThat(m.mapsUid(65537)).isFalse();
    assertThat(m.mapsGid(1000)).isTrue();
    assertThat(m.mapsGid(1001)).isFalse();
    assertThat(IdMapping.fuseOverlaySyntax(m.uids())).isEqualTo("0:1001:1:1:100000:65536");
    assertThat(IdMapping.fuseOverlaySyntax(m.gids())).isEqualTo("0:1002:1:1:200000:1000");
  }

  @Test
  void rootOnly_mapsOnlyZero() {
    IdMapping m = IdMapping.rootOnly(1001, 1001);
    assertThat(m.hasRanges()).isFalse();
    assertThat(m.mapsUid(0)).isTrue();
    assertThat(m.mapsUid(1)).isFalse();
    assertThat(IdMapping.fuseOverlaySyntax(m.uids())).isEqualTo("0:1001:1");
  }

  @Test
  void hostIdentity_mapsEveryIdToItself() {
    IdMapping m = IdMapping.hostIdentity();
    assertThat(m.isHostIdentity()).isTrue();
    assertThat(m.hasRanges()).isTrue();
    assertThat(m.mapsUid(0)).isTrue();
    assertThat(m.mapsUid(100)).isTrue();
    assertThat(m.mapsGid(4294967294L)).isTrue();
    assertThat(IdMapping.rootOnly(0, 0).isHostIdentity()).isFalse();
  }

  /** Real root needs no /etc/subuid (newuidmap would want one) and gets no note about it. */
  @Test
  void mapping_asRealRoot_isTheHostIdentity_withoutANote(@TempDir Path dir) throws Exception {
    StringBuilder note = new StringBuilder();
    HostTools none = new HostTools(Path.of("/u"), Path.of("/s"), Path.of("/e"), Path.of("/bin/sh"),
        java.util.Optional.empty(), java.util.Optional.empty());
    IdMapping m = HostIds.mapping(0, 0, "root", none, dir.resolve("subuid"), dir.resolve("subgid"), note);
    assertThat(m.isHostIdentity()).isTrue();
    assertThat(note).isEmpty();
    IdMapping user = HostIds.mapping(1001, 1001, "alice", none, dir.resolve("subuid"), dir.resolve("subgid"), note);
    assertThat(user).isEqualTo(IdMapping.rootOnly(1001, 1001));
    assertThat(note.toString()).contains("no subordinate id range for alice");
  }

  @Test
  void subIds_findsByNameOrId_skipsOthersAndJunk(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("subuid");
    Files.writeString(f, "# comment\nother:100000:65536\nbad:line\nalice:x:1\n1005:300000:10\nalice:200000:65536\n");
    assertThat(SubIds.find(f, "alice", 1001)).contains(new SubIds.Range(200000, 65536));
    assertThat(SubIds.find(f, "bob", 1005)).contains(new SubIds.Range(300000, 10));
    assertThat(SubIds.find(f, "carol", 1006)).isEmpty();
    assertThat(SubIds.find(dir.resolve("missing"), "alice", 1001)).isEmpty();
  }
}
