package dev.lamina.inspect;

import static dev.lamina.inspect.LayerTarBuilder.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dive's .dive-ci rules: file formats (camelCase, kebab, snake), disabling, thresholds and byte units. */
class DiveCiRulesTest {

  /** base 1000 bytes; layer 1 rewrites /a (500 -> 500) and adds /b 100: wasted 1000 of 600 user bytes. */
  private static LayerAnalysis image() {
    List<LayerTree> trees = List.of(
        tar().file("a", 500).file("base", 500).tree(),
        tar().file("a", 500).file("b", 100).tree());
    List<LayerInfo> infos = List.of(new LayerInfo(0, "sha256:00", "", -1, ""),
        new LayerInfo(1, "sha256:11", "", -1, "/bin/sh -c echo"));
    return LayerAnalysis.of("test", infos, trees);
  }

  @Test
  void readsDivesFileFormat_withCommentsPluginsAndUnits(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve(".dive-ci");
    // the shape of dive's own .data/.dive-ci
    Files.writeString(f, """
        ---
        plugins:
          - plugin1

        rules:
          # If the efficiency is measured below X%, mark as failed.
          lowestEfficiency: 0.95
          highest-wasted-bytes: "1Kb"   # kebab-case, quoted
          highest_user_wasted_percent: off
          plugin1/rule1: error
        """);
    DiveCiRules rules = new DiveCiRules();
    rules.load(f);

    List<DiveCiRules.Result> results = rules.evaluate(image(), Efficiency.Mode.LAMINA);

    // a: 500+500 -> score (500+500+100)/(1000+500+100) = 0.6875; wasted 1000 bytes <= 1000 (1Kb)
    assertThat(results).extracting(DiveCiRules.Result::rule, DiveCiRules.Result::status).containsExactly(
        org.assertj.core.groups.Tuple.tuple("highestUserWastedPercent", DiveCiRules.Status.SKIP),
        org.assertj.core.groups.Tuple.tuple("highestWastedBytes", DiveCiRules.Status.PASS),
        org.assertj.core.groups.Tuple.tuple("lowestEfficiency", DiveCiRules.Status.FAIL));
    assertThat(DiveCiRules.passed(results)).isFalse();
    assertThat(results.get(2).message()).contains("efficiency=0.69 < threshold=0.95");
  }

  @Test
  void defaults_areDives() {
    List<DiveCiRules.Result> results = new DiveCiRules().evaluate(image(), Efficiency.Mode.LAMINA);
    // user wasted 1000/600 > 0.1 fails; wasted bytes disabled; 0.6875 < 0.9 fails
    assertThat(results).extracting(DiveCiRules.Result::status).containsExactly(
        DiveCiRules.Status.FAIL, DiveCiRules.Status.SKIP, DiveCiRules.Status.FAIL);
  }

  @Test
  void badValues_nameTheRule() {
    DiveCiRules r = new DiveCiRules();
    r.set("lowest_efficiency", "1.5");
    assertThatThrownBy(r::validate).hasMessageContaining("lowestEfficiency").hasMessageContaining("0-1");
    DiveCiRules r2 = new DiveCiRules();
    r2.set("highestWastedBytes", "20 parsecs");
    assertThatThrownBy(r2::validate).hasMessageContaining("parsecs");
    assertThat(new DiveCiRules().set("plugin1/rule1", "error")).isFalse();
  }

  @Test
  void byteUnits_asGoHumanize() {
    assertThat(LayerBytes.parse("20Mb")).isEqualTo(20_000_000);
    assertThat(LayerBytes.parse("20 MiB")).isEqualTo(20 * 1024 * 1024);
    assertThat(LayerBytes.parse("1,000")).isEqualTo(1000);
    assertThat(LayerBytes.parse("1.5GB")).isEqualTo(1_500_000_000L);
    assertThat(LayerBytes.human(9)).isEqualTo("9 B");
    assertThat(LayerBytes.human(1220598)).isEqualTo("1.2 MB");
    assertThat(LayerBytes.human(32025)).isEqualTo("32 kB");
    assertThat(LayerBytes.human(12810)).isEqualTo("13 kB");
  }

  /** A CI gate must not pass on a config it misread (issue 11): each broken file names its line and key. */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "typo in a rule     | 'rules:\n  lowestEfficency: 0.9\n'                | line 2: unknown rule 'lowestEfficency'",
      "unknown top key    | 'rule:\n  lowestEfficiency: 0.9\n'                | line 1: unknown key 'rule'",
      "rule at the top    | 'lowestEfficiency: 0.9\n'                          | line 1: unknown key 'lowestEfficiency'; put it under 'rules:'",
      "not key: value     | 'rules:\n  lowestEfficiency 0.9\n'                | line 2: expected 'key: value'",
      "bad value          | 'rules:\n  highestWastedBytes: 20 parsecs\n'      | line 2: rule 'highestWastedBytes'",
      "flow mapping       | 'rules: {lowestEfficiency: 0.9}\n'                | line 1: key 'rules'",
      "given twice        | 'rules:\n  lowestEfficiency: 0.9\n  lowest-efficiency: 0.5\n' | line 3: rule 'lowest-efficiency' is given twice",
      "unterminated quote | 'rules:\n  lowestEfficiency: \"0.9\n'             | line 2: unterminated quote",
      "tab indentation    | 'rules:\n\tlowestEfficiency: 0.9\n'              | line 2: a tab",
      "stray list item    | 'rules:\n  - lowestEfficiency\n'                 | line 2: unexpected list item",
  })
  void brokenConfig_failsNamingFileLineAndKey(String what, String text, String expected, @TempDir Path tmp)
      throws Exception {
    Path f = tmp.resolve(".dive-ci");
    Files.writeString(f, text.replace("\\n", "\n").replace("\\t", "\t"));
    assertThatThrownBy(() -> new DiveCiRules().load(f))
        .isInstanceOf(DiveCiRules.ConfigException.class)
        .hasMessageStartingWith(f.toString())
        .hasMessageContaining(expected);
  }
}
