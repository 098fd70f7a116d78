package dev.lamina.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioFormatTest {

  @Test
  void parsesScenariosLayersAndEveryKindOfArgument() {
    ScenarioFormat.ScenarioFile f = ScenarioFormat.parse("""
        # comment
        layer bottom
          mkdir d 0750
          whiteout gone
        scenario s1: does: things
          create a "x\\ny \\"q\\"" 0640 => ok
          chown a 1000 -1   # trailing comment
          open h a [O_RDWR O_TRUNC]
          utimens a 1400000000111111111 2 false
          readdir_during_changes d 96 [(unlink d/x) (create d/y "")] => ok
          create big {pattern 1048576 seed 1}
          mkdir <a*3>/b<c*2>
          umask 0
          lstat nope => ENOENT
        """, "t");
    assertThat(f.layers()).hasSize(1);
    assertThat(f.layers().get(0).steps()).extracting(Step::op).containsExactly("mkdir", "whiteout");
    Scenario s = f.scenarios().get(0);
    assertThat(s.name()).isEqualTo("s1");
    assertThat(s.description()).isEqualTo("does: things");
    List<Step> st = s.steps();
    assertThat(st.get(0).args()).containsExactly("a", "x\ny \"q\"", "0640");
    assertThat(st.get(0).expect()).isEqualTo("ok");
    assertThat(st.get(1).args()).containsExactly("a", 1000L, -1L);
    assertThat(st.get(2).args()).containsExactly("h", "a", List.of("O_RDWR", "O_TRUNC"));
    assertThat(st.get(3).args()).containsExactly("a", 1400000000111111111L, 2L, false);
    assertThat(st.get(4).args().get(2)).isEqualTo(List.of(Map.of("op", "unlink", "args", List.of("d/x")),
        Map.of("op", "create", "args", List.of("d/y", ""))));
    assertThat(st.get(5).args().get(1)).isEqualTo(Map.of("pattern", 1048576L, "seed", 1L));
    assertThat(st.get(6).args()).containsExactly("aaa/bcc");
    assertThat(st.get(7).args()).containsExactly(0L);
    assertThat(st.get(8).expect()).isEqualTo("ENOENT");
  }

  @Test
  void writingAStepAndParsingItBackGivesTheSameStep() {
    Step step = new Step("create", List.of("x".repeat(300) + "/../".repeat(5) + "f", "#1 \"hi\"\n", "0640", 7,
        List.of("1", "true", "=>"), Map.of("op", "unlink", "args", List.of("a b"))), "EEXIST");
    String line = ScenarioFormat.format(step);
    assertThat(line).contains("<x*300>");
    Step back = ScenarioFormat.parseStep(line, "t", 1);
    assertThat(back.op()).isEqualTo("create");
    assertThat(back.expect()).isEqualTo("EEXIST");
    assertThat(back.args().get(0)).isEqualTo(step.args().get(0));
    assertThat(back.args().get(1)).isEqualTo(step.args().get(1));
    assertThat(back.args().get(3)).isEqualTo(7L);
    assertThat(back.args().get(4)).isEqualTo(List.of("1", "true", "=>"));
    assertThat(back.args().get(5)).isEqualTo(Map.of("op", "unlink", "args", List.of("a b")));
  }

  @Test
  void badInputNamesTheFileTheLineAndTheProblem() {
    assertThatThrownBy(() -> ScenarioFormat.parse("scenario a: x\n  frobnicate p\n", "my.scenarios"))
        .hasMessageContaining("my.scenarios:2").hasMessageContaining("unknown operation 'frobnicate'");
    assertThatThrownBy(() -> ScenarioFormat.parse("create a x\n", "f"))
        .hasMessageContaining("f:1").hasMessageContaining("before any 'scenario");
    assertThatThrownBy(() -> ScenarioFormat.parse("scenario a: x\n  create a \"x\n", "f"))
        .hasMessageContaining("f:2").hasMessageContaining("closing '\"'");
    assertThatThrownBy(() -> ScenarioFormat.parse("scenario a: x\n  lstat a => maybe\n", "f"))
        .hasMessageContaining("f:2").hasMessageContaining("errno name");
    assertThatThrownBy(() -> ScenarioFormat.parse("scenario a: x\n  lstat [a\n", "f"))
        .hasMessageContaining("']' is missing");
    assertThatThrownBy(() -> ScenarioFormat.parse("scenario a: x\nscenario b: y\n  lstat a\n", "f"))
        .hasMessageContaining("scenario a has no steps");
    assertThatThrownBy(() -> ScenarioFormat.parse("scenario a: x\n lstat a\nscenario a: y\n lstat b\n", "f"))
        .hasMessageContaining("scenario a is defined twice");
  }

  @Test
  void theBuiltInScenariosAreAllThereAndUseTheFixture() throws Exception {
    List<ScenarioLibrary.Entry> all = ScenarioLibrary.builtIn();
    // the 88 scenarios of the former Java suite (FileScenarios 37, NamespaceScenarios 30, LinkScenarios 9,
    // PathLengthScenarios 2, CreateModeScenarios 10) and the 19 added with it (Atime 8, Xfstests 1, Redirect
    // 10), each kept step for step
    assertThat(all).hasSizeGreaterThanOrEqualTo(107);
    assertThat(all).extracting(e -> e.scenario().name()).doesNotHaveDuplicates()
        .contains("create_file", "rename_exchange", "deep_paths", "long_names", "hardlink_stat_every_name",
            "long_path_below_lower_only_dir", "newmode_defacl_mask", "readdir_seek");
    assertThat(all).allSatisfy(e -> assertThat(e.layers()).isSameAs(ScenarioLibrary.fixture()));
    assertThat(ScenarioLibrary.fixture()).extracting(ScenarioFormat.Layer::name).containsExactly("bottom", "top");
    assertThat(ScenarioLibrary.select(all, "rename_*,fixture_view")).extracting(e -> e.scenario().name())
        .allMatch(n -> n.startsWith("rename_") || n.equals("fixture_view")).contains("fixture_view");
  }
}
