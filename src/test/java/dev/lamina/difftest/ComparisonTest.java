package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lamina.conformance.Comparison;
import dev.lamina.conformance.FsDriver;
import dev.lamina.conformance.Scenario;
import dev.lamina.conformance.Step;
import dev.lamina.conformance.TreeSnapshot;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flattening of driver results into facts and their comparison, intended differences excluded. */
class ComparisonTest {

  private static final List<Step> STEPS = Scenario.named("s", "").op("rename", "d", "e")
      .op("stat", "d").build().steps();

  private static TreeSnapshot snapshot(String steps, String tree) throws IOException {
    List<JsonNode> results = new java.util.ArrayList<>();
    FsDriver.JSON.readTree(steps).forEach(results::add);
    return TreeSnapshot.of(STEPS, new FsDriver.Result(results, FsDriver.JSON.readTree(tree), null));
  }

  @Test
  void reportsStepErrnoAndTreeDifferencesWithBothValues() throws IOException {
    TreeSnapshot kernel = snapshot("[{\"err\":\"EXDEV\"},{\"ok\":{\"type\":\"dir\",\"mode\":\"0755\"}}]",
        "{\"/d\":{\"type\":\"dir\",\"mode\":\"0755\",\"entries\":[\"a\"]}}");
    TreeSnapshot lamina = snapshot("[{\"ok\":0},{\"ok\":{\"type\":\"dir\",\"mode\":\"0700\"}}]",
        "{\"/d\":{\"type\":\"dir\",\"mode\":\"0755\",\"entries\":[]}}");
    List<Comparison.Difference> diffs = Comparison.unexpected("s", kernel, lamina);
    String report = Comparison.report("s", "kernel", "lamina", diffs);
    assertThat(report)
        .contains("scenario s: 3 unexpected difference(s)")
        .contains("step #1 rename(d, e): kernel=error EXDEV  lamina=ok 0")
        .contains("step #2 stat(d) [dir] mode: kernel=0755  lamina=0700")
        .contains("tree /d [dir] entries: kernel=[a]  lamina=[]");
  }

  @Test
  void intendedDifferencesAreNotReported() throws IOException {
    TreeSnapshot kernel = snapshot("[{\"ok\":0},{\"ok\":{\"type\":\"dir\",\"nlink\":1}}]",
        "{\"/d\":{\"type\":\"dir\",\"size\":4096,\"nlink\":1}}");
    TreeSnapshot lamina = snapshot("[{\"ok\":0},{\"ok\":{\"type\":\"dir\",\"nlink\":3}}]",
        "{\"/d\":{\"type\":\"dir\",\"size\":60,\"nlink\":3}}");
    assertThat(Comparison.unexpected("s", kernel, lamina)).isEmpty();
  }

  @Test
  void missingEntriesShowAsAbsent() throws IOException {
    TreeSnapshot kernel = snapshot("[{\"ok\":0},{\"ok\":null}]", "{\"/x\":{\"type\":\"file\",\"size\":1}}");
    TreeSnapshot lamina = snapshot("[{\"ok\":0},{\"ok\":null}]", "{}");
    assertThat(Comparison.report("s", "kernel", "lamina", Comparison.unexpected("s", kernel, lamina)))
        .contains("tree /x: kernel=exists  lamina=(absent)")
        .contains("tree /x [file] size: kernel=1  lamina=(absent)");
  }

  @Test
  void scenarioClaimsAreCheckedOnTheOracle() throws IOException {
    Scenario s = Scenario.named("c", "").op("unlink", "x").expect("ENOENT").op("mkdir", "y")
        .expect("ok").build();
    List<JsonNode> results = List.of(FsDriver.JSON.readTree("{\"ok\":null}"),
        FsDriver.JSON.readTree("{\"ok\":null}"));
    assertThat(Comparison.brokenClaims(s, new FsDriver.Result(results, null, null)))
        .containsExactly("#1 unlink(x): scenario expects ENOENT, kernel gave ok");
  }

  @Test
  void longNamesAreAbbreviated() {
    assertThat(TreeSnapshot.abbreviatePath("/a/" + "n".repeat(255)))
        .isEqualTo("/a/nnnnnnnn...(255 chars)");
  }
}
