package dev.lamina.inspect;

import static dev.lamina.inspect.LayerTarBuilder.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-layer Added / Modified / Removed lists against the merged lower layers. */
class LayerDiffTest {

  private static List<LayerChange> diff(LayerTree lower, LayerTree upper, List<String> warnings) {
    LayerAggregate agg = new LayerAggregate(LayerAggregate.Rules.OCI);
    agg.apply(lower);
    return LayerDiff.of(upper, agg, warnings);
  }

  @Test
  void modifiedCompares_typeContentModeOwnerAndLinkTarget() {
    LayerTree lower = tar().file("f", "hello").file("g", "abc").file("h", "x").symlink("l", "a")
        .file("same", "s").file("t", "t").tree();
    LayerTree upper = tar().file("f", "hellO").file("g", "abc", 0755, 0, 0).file("h", "x", 0644, 1000, 0)
        .symlink("l", "b").file("same", "s").dir("t").file("n", "new").tree();

    List<LayerChange> changes = diff(lower, upper, new ArrayList<>());

    assertThat(changes).extracting(LayerChange::path, LayerChange::type).containsExactly(
        tuple("f", LayerDiffType.MODIFIED),
        tuple("g", LayerDiffType.MODIFIED),
        tuple("h", LayerDiffType.MODIFIED),
        tuple("l", LayerDiffType.MODIFIED),
        tuple("n", LayerDiffType.ADDED),
        tuple("same", LayerDiffType.UNMODIFIED),
        tuple("t", LayerDiffType.MODIFIED));
  }

  @Test
  void whiteoutOfDirectory_removesWithWhatItHides() {
    LayerTree lower = tar().dir("d").file("d/a", 100).dir("d/s").file("d/s/b", 20).file("keep", 1).tree();
    LayerTree upper = tar().whiteout("d").tree();

    List<LayerChange> changes = diff(lower, upper, new ArrayList<>());

    assertThat(changes).extracting(LayerChange::path, LayerChange::type, LayerChange::size,
        LayerChange::hiddenFiles).containsExactly(tuple("d", LayerDiffType.REMOVED, 120L, 4));
  }

  @Test
  void opaqueDirectory_removesLowerChildrenNotNamedAgain() {
    LayerTree lower = tar().dir("d").file("d/a", 100).file("d/b", 200).dir("d/sub").file("d/sub/c", 400).tree();
    LayerTree upper = tar().dir("d").opaque("d").file("d/b", 250).file("d/new", 50).tree();

    List<LayerChange> changes = diff(lower, upper, new ArrayList<>());

    assertThat(changes).extracting(LayerChange::path, LayerChange::type, LayerChange::size).containsExactly(
        tuple("d", LayerDiffType.UNMODIFIED, 0L),
        tuple("d/a", LayerDiffType.REMOVED, 100L),
        tuple("d/b", LayerDiffType.MODIFIED, 250L),
        tuple("d/new", LayerDiffType.ADDED, 50L),
        tuple("d/sub", LayerDiffType.REMOVED, 400L));

    LayerAggregate merged = LayerAggregate.upTo(List.of(lower, upper), 1);
    assertThat(merged.find("d").children()).extracting(LayerNode::name).containsExactly("b", "new");
  }

  @Test
  void deletedAndRecreatedDirectory_keepsOnlyWhatTheLayerNames() {
    LayerTree lower = tar().dir("d").file("d/a", 1).file("d/b", 2).tree();
    LayerTree upper = tar().whiteout("d").dir("d").file("d/b", 2).tree();

    List<LayerChange> changes = diff(lower, upper, new ArrayList<>());

    assertThat(changes).extracting(LayerChange::path, LayerChange::type).containsExactly(
        tuple("d", LayerDiffType.UNMODIFIED),
        tuple("d/a", LayerDiffType.REMOVED),
        tuple("d/b", LayerDiffType.UNMODIFIED));
    LayerAggregate merged = LayerAggregate.upTo(List.of(lower, upper), 1);
    assertThat(merged.find("d").children()).extracting(LayerNode::name).containsExactly("b");
  }

  @Test
  void whiteoutsBelowADeletedDirectory_countOnce() {
    LayerTree lower = tar().dir("d").file("d/a", 100).dir("d/s").file("d/s/b", 20).tree();
    LayerTree upper = tar().whiteout("d").whiteout("d/a").whiteout("d/s/b").tree();

    assertThat(diff(lower, upper, new ArrayList<>())).extracting(LayerChange::path, LayerChange::type)
        .containsExactly(tuple("d", LayerDiffType.REMOVED));
    assertThat(LayerAggregate.upTo(List.of(lower, upper), 1).find("d")).isNull();
    assertThat(Efficiency.of(List.of(lower, upper), Efficiency.Mode.LAMINA).wastedBytes()).isEqualTo(120);
  }

  @Test
  void whiteoutOfMissingPath_isReportedNotFatal() {
    List<String> warnings = new ArrayList<>();
    List<LayerChange> changes = diff(tar().file("a", 1).tree(), tar().whiteout("ghost").file("b", 2).tree(),
        warnings);

    assertThat(changes).extracting(LayerChange::path).containsExactly("b");
    assertThat(warnings).singleElement().asString().contains("/ghost");
  }

  @Test
  void scanner_cleansNames_skipsRoot_andHashesContents() {
    LayerTree t = tar().dir("./").dir("./etc").file("./etc/a", "same").file("/etc/b", "same")
        .file("etc/../etc/c", "other").tree();

    assertThat(t.root().find("etc").children()).extracting(LayerNode::name).containsExactly("a", "b", "c");
    assertThat(t.root().find("etc/a").entry().hash()).isEqualTo(t.root().find("etc/b").entry().hash());
    assertThat(t.root().find("etc/a").entry().hash()).isNotEqualTo(t.root().find("etc/c").entry().hash());
    assertThat(t.sizeBytes()).isEqualTo(4 + 4 + 5);
    assertThat(LayerScanner.cleanPath("../x")).isNull();
    assertThat(LayerScanner.cleanPath("a/./b//c/")).isEqualTo("a/b/c");
  }
}
