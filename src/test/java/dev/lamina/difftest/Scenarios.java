package dev.lamina.difftest;

import java.util.ArrayList;
import java.util.List;

/** Every scenario of the differential suite. */
final class Scenarios {

  private Scenarios() {}

  static List<Scenario> all() {
    List<Scenario> all = new ArrayList<>(FileScenarios.all());
    all.addAll(NamespaceScenarios.all());
    all.addAll(LinkScenarios.all());
    all.addAll(PathLengthScenarios.all());
    all.addAll(CreateModeScenarios.all());
    all.addAll(AtimeScenarios.all());
    all.addAll(XfstestsScenarios.all());
    all.addAll(RedirectScenarios.all());
    all.addAll(TmpfileScenarios.all());
    return all;
  }
}
