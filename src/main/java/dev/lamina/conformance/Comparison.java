package dev.lamina.conformance;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Compares what a target did with what the oracle (kernel overlayfs) did, fact by fact. */
public final class Comparison {

  /** One fact whose values differ; "(absent)" when one side has no such fact. */
  public record Difference(TreeSnapshot.Key key, String oracle, String target) {}

  private Comparison() {}

  /** The differences not covered by an intended difference or an open bug, in step-then-tree order. */
  public static List<Difference> unexpected(String scenario, TreeSnapshot oracle, TreeSnapshot target) {
    return all(scenario, oracle, target).stream()
        .filter(d -> IntendedDifferences.openBug(scenario, d.key()).isEmpty()).toList();
  }

  /** One line per {@link IntendedDifferences#OPEN_BUGS open bug} that covered differences, with an example. */
  public static List<String> openBugs(String scenario, TreeSnapshot oracle, TreeSnapshot target) {
    java.util.Map<String, List<Difference>> byBug = new java.util.LinkedHashMap<>();
    for (Difference d : all(scenario, oracle, target)) {
      IntendedDifferences.openBug(scenario, d.key())
          .ifPresent(b -> byBug.computeIfAbsent(b.id(), x -> new ArrayList<>()).add(d));
    }
    List<String> out = new ArrayList<>();
    byBug.forEach((id, diffs) -> out.add("open bug " + id + " (" + diffs.size() + " difference(s)), first: "
        + diffs.get(0).key() + ": oracle=" + diffs.get(0).oracle() + " target=" + diffs.get(0).target()));
    return out;
  }

  /** The differences not covered by an {@link IntendedDifferences} entry, in step-then-tree order. */
  public static List<Difference> all(String scenario, TreeSnapshot oracle, TreeSnapshot target) {
    Set<TreeSnapshot.Key> keys = new LinkedHashSet<>(oracle.facts().keySet());
    keys.addAll(target.facts().keySet());
    List<Difference> out = new ArrayList<>();
    TreeSnapshot.Key unmountable = new TreeSnapshot.Key("reread", "/", "unmountable", "error");
    if (target.facts().containsKey(unmountable) && !oracle.facts().containsKey(unmountable)) {
      // one line instead of one per entry the kernel could read back from its own upper dir
      keys.removeIf(k -> k.section().equals("reread"));
      out.add(new Difference(new TreeSnapshot.Key("reread", "/", "", "mount"), "ok",
          target.facts().get(unmountable)));
    }
    for (TreeSnapshot.Key k : keys) {
      String a = oracle.facts().getOrDefault(k, "(absent)");
      String b = target.facts().getOrDefault(k, "(absent)");
      if (!a.equals(b) && IntendedDifferences.covering(scenario, k).isEmpty()) {
        out.add(new Difference(k, a, b));
      }
    }
    return out;
  }

  public static String report(String scenario, String oracleName, String targetName, List<Difference> diffs) {
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
  public static List<String> brokenClaims(Scenario s, FsDriver.Result oracle) {
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
}
