package dev.lamina.inspect;

import static dev.lamina.inspect.LayerTarBuilder.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Efficiency numbers computed by hand from dive's algorithm (filetree/efficiency.go) and from our rules. Each test
 * shows its arithmetic; "occurrence" = one (path, size) the algorithm counts.
 */
class EfficiencyTest {

  /** dive's own TestEfficiency case (no directory entries, so the deleted /etc/nginx sizes as 0): 0.75. */
  @Test
  void diveMode_reproducesDivesUnitTest() {
    List<LayerTree> layers = List.of(
        tar().file("etc/nginx/nginx.conf", 2000).file("etc/nginx/public", 3000).tree(),
        tar().file("etc/nginx/nginx.conf", 5000).file("etc/athing", 10000).tree(),
        tar().whiteout("etc/nginx").tree());

    EfficiencyResult dive = Efficiency.of(layers, Efficiency.Mode.DIVE);

    // min: 2000 + 3000 + 10000 + 0 (/etc/nginx) = 15000; cumulative: 7000 + 3000 + 10000 + 0 = 20000
    assertThat(dive.score()).isEqualTo(0.75);
    assertThat(dive.inefficient()).containsExactly(new EfficiencyPath("/etc/nginx/nginx.conf", 2, 7000, 2000));
    assertThat(dive.wastedBytes()).isEqualTo(7000);

    EfficiencyResult ours = Efficiency.of(layers, Efficiency.Mode.LAMINA);
    // deleting /etc/nginx deletes nginx.conf (2000, 5000, 0) and public (3000, 0): min 0 + 0 + 10000, cum 21000-1000
    assertThat(ours.score()).isEqualTo(0.5);
    assertThat(ours.wastedBytes()).isEqualTo(10000);
    assertThat(ours.inefficient()).containsExactly(
        new EfficiencyPath("/etc/nginx/nginx.conf", 3, 7000, 0),
        new EfficiencyPath("/etc/nginx/public", 2, 3000, 0));
  }

  /** With directory entries (as real layers have), dive sizes a deleted directory by what it held, but wastes none. */
  @Test
  void directoryDelete_diveCountsNothingWasted_weCountWhatItHides() {
    List<LayerTree> layers = List.of(
        tar().dir("etc").dir("etc/nginx").file("etc/nginx/nginx.conf", 2000).file("etc/nginx/public", 3000)
            .dir("usr").file("usr/big", 1000).tree(),
        tar().dir("etc").dir("etc/nginx").file("etc/nginx/nginx.conf", 5000).file("etc/athing", 10000).tree(),
        tar().whiteout("etc/nginx").whiteout("usr/big").tree());

    EfficiencyResult dive = Efficiency.of(layers, Efficiency.Mode.DIVE);
    // occurrences: nginx.conf 2000,5000; public 3000; big 1000,0; athing 10000; /etc/nginx 8000 (5000+3000+dir 0)
    // min 2000+3000+0+10000+8000 = 23000; cumulative 7000+3000+1000+10000+8000 = 29000
    assertThat(dive.score()).isCloseTo(23000.0 / 29000.0, within(1e-15));
    assertThat(dive.wastedBytes()).isEqualTo(8000);
    assertThat(dive.inefficient()).containsExactly(
        new EfficiencyPath("/etc/nginx/nginx.conf", 2, 7000, 2000),
        new EfficiencyPath("/usr/big", 2, 1000, 0));

    EfficiencyResult ours = Efficiency.of(layers, Efficiency.Mode.LAMINA);
    // nginx.conf 2000,5000,0; public 3000,0; big 1000,0; athing 10000 -> min 10000, cumulative 21000
    assertThat(ours.score()).isCloseTo(10000.0 / 21000.0, within(1e-15));
    assertThat(ours.wastedBytes()).isEqualTo(11000);
    assertThat(ours.inefficient()).extracting(EfficiencyPath::path)
        .containsExactly("/etc/nginx/nginx.conf", "/etc/nginx/public", "/usr/big");
  }

  /** An opaque directory hides the lower contents: dive ignores the marker, we count the hidden files. */
  @Test
  void opaqueDirectory() {
    List<LayerTree> layers = List.of(
        tar().dir("d").file("d/a", 100).file("d/b", 200).dir("d/sub").file("d/sub/c", 400).tree(),
        tar().dir("d").opaque("d").file("d/b", 250).file("d/new", 50).tree());

    EfficiencyResult dive = Efficiency.of(layers, Efficiency.Mode.DIVE);
    // a 100; b 200,250; c 400; new 50 -> min 750 / cumulative 1000
    assertThat(dive.score()).isEqualTo(0.75);
    assertThat(dive.wastedBytes()).isEqualTo(450);

    EfficiencyResult ours = Efficiency.of(layers, Efficiency.Mode.LAMINA);
    // a 100,0; b 200,250; sub/c 400,0; new 50 -> min 0+200+0+50 = 250 / cumulative 1000
    assertThat(ours.score()).isEqualTo(0.25);
    assertThat(ours.wastedBytes()).isEqualTo(950);
    assertThat(ours.inefficient()).containsExactly(
        new EfficiencyPath("/d/b", 2, 450, 200),
        new EfficiencyPath("/d/sub/c", 2, 400, 0),
        new EfficiencyPath("/d/a", 2, 100, 0));
  }

  /** dive stops analysing a layer at a whiteout of a missing path; we report it and go on. */
  @Test
  void whiteoutOfMissingPath() {
    List<LayerTree> layers = List.of(
        tar().file("a", 10).file("z", 30).tree(),
        tar().whiteout("nothere").file("a", 20).tree());

    EfficiencyResult dive = Efficiency.of(layers, Efficiency.Mode.DIVE);
    // ".wh.nothere" sorts before "a": the walk of layer 1 ends before a is seen
    assertThat(dive.score()).isEqualTo(1.0);
    assertThat(dive.wastedBytes()).isZero();
    assertThat(dive.warnings()).singleElement().asString().contains("/nothere");

    EfficiencyResult ours = Efficiency.of(layers, Efficiency.Mode.LAMINA);
    // a 10,20; z 30 -> min 40 / cumulative 60
    assertThat(ours.score()).isCloseTo(40.0 / 60.0, within(1e-15));
    assertThat(ours.wastedBytes()).isEqualTo(30);
    assertThat(ours.warnings()).singleElement().asString().contains("/nothere");
  }

  /** Without opaque markers and directory deletes, both rule sets give the same numbers. */
  @Test
  void modesAgree_withoutOpaqueOrDirectoryDeletes() {
    List<LayerTree> layers = List.of(
        tar().dir("bin").file("bin/sh", 5000).dir("etc").file("etc/passwd", 300).file("etc/group", 100).tree(),
        tar().dir("etc").file("etc/passwd", 320).dir("opt").file("opt/app", 7000).tree(),
        tar().dir("opt").whiteout("opt/app").file("opt/app2", 7000).whiteout("etc/group").tree(),
        tar().dir("etc").file("etc/passwd", 330).tree());

    EfficiencyResult dive = Efficiency.of(layers, Efficiency.Mode.DIVE);
    EfficiencyResult ours = Efficiency.of(layers, Efficiency.Mode.LAMINA);
    // sh 5000; passwd 300,320,330; group 100,0; app 7000,0; app2 7000
    // min 5000+300+0+0+7000 = 12300; cumulative 5000+950+100+7000+7000 = 20050
    assertThat(dive.score()).isCloseTo(12300.0 / 20050.0, within(1e-15));
    assertThat(dive.wastedBytes()).isEqualTo(950 + 100 + 7000);
    assertThat(ours).isEqualTo(dive);
    assertThat(dive.inefficient()).extracting(EfficiencyPath::path, EfficiencyPath::count)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("/opt/app", 2),
            org.assertj.core.groups.Tuple.tuple("/etc/passwd", 3),
            org.assertj.core.groups.Tuple.tuple("/etc/group", 2));
  }

  @Test
  void emptyImage_scoresOne() {
    EfficiencyResult r = Efficiency.of(List.of(tar().file("nothing", 0).tree()), Efficiency.Mode.DIVE);
    assertThat(r.score()).isEqualTo(1.0);
    assertThat(r.inefficient()).isEmpty();
  }
}
