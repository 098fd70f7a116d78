package dev.lamina.difftest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Compares what a target did with what the oracle (kernel overlayfs) did, fact by fact. */
final class Comparison {

  /** One fact whose values differ; "(absent)" when one side has no such fact. */
  record Difference(TreeSnapshot.Key key, String oracle, String target) {}

  private Comparison() {}

  /** The differences not covered by an {@link IntendedDifferences} entry, in step-then-tree order. */
  static List<Difference> unexpected(String scenario, TreeSnapshot oracle, TreeSnapshot target) {
    Set<TreeSnapshot.Key> keys = new LinkedHashSet<>(oracle.facts().keySet());
    keys.addAll(target.facts().keySet());
    List<Difference> out = new ArrayList<>();
    for (TreeSnapshot.Key k : keys) {
      String a = oracle.facts().getOrDefault(k, "(absent)");
      String b = target.facts().getOrDefault(k, "(absent)");
      if (!a.equals(b) && IntendedDifferences.covering(scenario, k).isEmpty()) {
        out.add(new Difference(k, a, b));
      }
    }
    return out;
  }

  static String report(String scenario, String oracleName, String targetName, List<Difference> diffs) {
    StringBuilder sb = new StringBuilder("scenario " + scenario + ": " + diffs.size()
        + " unexpected difference(s) between " + oracleName + " and " + targetName + ":");
    int shown = 0;
    for (Difference d : diffs) {
      if (shown++ == 40) {
        sb.append("\n  ... ").append(diffs.size() - 40).append(" more");
        break;
      }
      sb.append("\n  ").append(d.key()).append(": ").append(oracleName).append("=").append(d.oracle())
          .append("  ").append(targetName).append("=").append(d.target());
    }
    return sb.toString();
  }

  /** Steps whose kernel outcome is not what the scenario claims (the script itself is wrong). */
  static List<String> brokenClaims(Scenario s, FsDriver.Result oracle) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < s.steps().size(); i++) {
      Step st = s.steps().get(i);
      String got = FsDriver.outcome(oracle.steps().get(i));
      if (st.expect() != null && !st.expect().equals(got)) {
        out.add("#" + (i + 1) + " " + st.label() + ": scenario expects " + st.expect() + ", kernel gave "
            + got);
      }
    }
    return out;
  }

  static Map<String, String> summary(List<Difference> diffs) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    diffs.forEach(d -> m.put(d.key().toString(), d.oracle() + " vs " + d.target()));
    return m;
  }
}
