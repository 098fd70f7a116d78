package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.run.IdMapping;
import dev.lamina.run.SubIds;
import dev.lamina.union.IdMap;
import dev.lamina.fuse.MountOptions;
import java.nio.file.Path;
import java.util.List;
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

  /** The options the shared daemon gets show every id as unionMap does (ids -1..200,000 both ways). */
  @Test
  void idOptions_presentAndStoreEveryIdAsUnionMapDoes() throws Exception {
    for (IdMapping m : List.of(
        IdMapping.withRanges(1001, 1002, new SubIds.Range(100000, 65536), new SubIds.Range(200000, 65536)),
        IdMapping.rootOnly(1001, 1002))) {
      List<String> opts = RunContainer.idOptions(m);
      List<String> all = new java.util.ArrayList<>(opts);
      all.add("lowerdir=/");
      MountOptions o = MountOptions.parse(all, null, Path.of("/"));
      IdMap uids = IdMap.parse(o.overlay().get("uidmapping"));
      IdMap gids = IdMap.parse(o.overlay().get("gidmapping"));
      if (o.overlay().containsKey("squash_to_uid")) {
        uids = uids.squashedTo(Long.parseLong(o.overlay().get("squash_to_uid")));
        gids = gids.squashedTo(Long.parseLong(o.overlay().get("squash_to_gid")));
      }
      IdMap wantU = RunContainer.unionMap(m.uids());
      IdMap wantG = RunContainer.unionMap(m.gids());
      for (int id : new int[] {0, 1, 999, 1000, 1001, 1002, 1003, 65534, 99999, 100000, 100999, 165535, 165536,
          199999, 200000, 200999, 265535, 265536}) {
        assertThat(uids.toPresented(id)).as(opts + " uid " + id).isEqualTo(wantU.toPresented(id));
        assertThat(gids.toPresented(id)).as(opts + " gid " + id).isEqualTo(wantG.toPresented(id));
        assertThat(backing(uids, id)).as(opts + " stored uid " + id).isEqualTo(backing(wantU, id));
        assertThat(backing(gids, id)).as(opts + " stored gid " + id).isEqualTo(backing(wantG, id));
      }
    }
    assertThat(RunContainer.idOptions(IdMapping.hostIdentity())).isEmpty();
  }

  private static String backing(IdMap m, int id) {
    try {
      return Integer.toString(m.toBacking(id, "/x"));
    } catch (dev.lamina.sys.ErrnoException e) {
      return "errno " + e.errno();
    }
  }

  @Test
  void unionMap_hostIdentity_isTheIdentity() {
    assertThat(RunContainer.unionMap(IdMapping.hostIdentity().uids()).isIdentity()).isTrue();
  }
}
