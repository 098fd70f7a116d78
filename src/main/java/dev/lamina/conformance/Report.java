package dev.lamina.conformance;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The text and JSON forms of a run: a matrix (a row per scenario, a column per target: same as the
 * reference, differs, failed), a summary per target, then for each difference a few readable lines.
 */
public final class Report {

  /** Difference lines shown per scenario and target (the JSON report has them all). */
  public static final int LINES_PER_CELL = 8;

  private final String reference;
  private final List<String> targets;
  private final String header;
  private final List<Conformance.Row> rows;

  /** @param header the lines that say what ran: mode, reference and its options, targets */
  public Report(String reference, List<String> targets, String header, List<Conformance.Row> rows) {
    this.reference = reference;
    this.targets = List.copyOf(targets);
    this.header = header;
    this.rows = List.copyOf(rows);
  }

  /** 0 when every target matched the reference on every scenario, else 1. */
  public int exitCode() {
    return rows.stream().allMatch(Conformance.Row::allSame) ? 0 : 1;
  }

  /** One progress line for a finished row. */
  public static String progress(int done, int total, Conformance.Row row) {
    StringBuilder sb = new StringBuilder("[" + done + "/" + total + "] " + row.entry().scenario().name() + ":");
    if (row.referenceError() != null) {
      return sb.append(" the reference failed").toString();
    }
    for (Conformance.Cell c : row.cells()) {
      sb.append(' ').append(c.target()).append(' ').append(c.status().word);
    }
    return sb.toString();
  }

  public String text() {
    StringBuilder sb = new StringBuilder(header).append('\n').append('\n');
    int w = Math.max(8, rows.stream().mapToInt(r -> r.entry().scenario().name().length()).max().orElse(8));
    List<Integer> widths = new ArrayList<>();
    sb.append(pad("SCENARIO", w));
    for (String t : targets) {
      int tw = Math.max(t.length(), 7);
      widths.add(tw);
      sb.append("  ").append(pad(t, tw));
    }
    sb.append('\n');
    for (Conformance.Row r : rows) {
      sb.append(pad(r.entry().scenario().name(), w));
      for (int i = 0; i < targets.size(); i++) {
        String cell = r.referenceError() != null ? "-" : r.cells().get(i).status().word;
        sb.append("  ").append(pad(cell, widths.get(i)));
      }
      if (r.referenceError() != null) {
        sb.append("  (" + reference + " failed)");
      } else if (!r.brokenClaims().isEmpty()) {
        sb.append("  (" + reference + " broke " + r.brokenClaims().size() + " claim(s))");
      }
      sb.append('\n');
    }
    sb.append('\n').append(summary()).append('\n');
    for (Conformance.Row r : rows) {
      String name = r.entry().scenario().name();
      if (r.referenceError() != null) {
        sb.append('\n').append(name).append(": the reference ").append(reference).append(" failed: ")
            .append(r.referenceError()).append('\n');
        continue;
      }
      if (!r.brokenClaims().isEmpty()) {
        sb.append('\n').append(name).append(": on ").append(reference).append(", steps do not give what the")
            .append(" scenario claims (=> ...):\n");
        r.brokenClaims().forEach(b -> sb.append("  ").append(b).append('\n'));
      }
      for (Conformance.Cell c : r.cells()) {
        if (c.status() == Conformance.Status.FAILED) {
          sb.append('\n').append(name).append(" on ").append(c.target()).append(": failed: ").append(c.error())
              .append('\n');
        } else if (c.status() == Conformance.Status.DIFFERS) {
          sb.append('\n').append(name).append(" on ").append(c.target()).append(" (")
              .append(r.entry().scenario().description()).append("): ").append(c.differences().size())
              .append(" difference(s) from ").append(reference).append('\n');
          int shown = 0;
          for (Comparison.Difference d : c.differences()) {
            if (shown++ == LINES_PER_CELL) {
              sb.append("  ... ").append(c.differences().size() - LINES_PER_CELL).append(" more (--json has all)\n");
              break;
            }
            sb.append("  ").append(describe(d.key())).append(": ").append(reference).append(' ')
                .append(d.oracle()).append(", ").append(c.target()).append(' ').append(d.target()).append('\n');
          }
        }
      }
    }
    return sb.toString();
  }

  /** "lamina: 88 same, 0 differ, 0 failed; ..." */
  public String summary() {
    StringBuilder sb = new StringBuilder("summary (" + rows.size() + " scenarios, reference " + reference + "):");
    for (int i = 0; i < targets.size(); i++) {
      int same = 0;
      int differs = 0;
      int failed = 0;
      for (Conformance.Row r : rows) {
        Conformance.Status s = r.referenceError() != null ? Conformance.Status.FAILED : r.cells().get(i).status();
        switch (s) {
          case SAME -> same++;
          case DIFFERS -> differs++;
          default -> failed++;
        }
      }
      sb.append(i == 0 ? " " : "; ").append(targets.get(i)).append(' ').append(same).append(" same, ")
          .append(differs).append(" differ, ").append(failed).append(" failed");
    }
    long broken = rows.stream().filter(r -> !r.brokenClaims().isEmpty()).count();
    if (broken > 0) {
      sb.append("; ").append(broken).append(" scenario(s) whose claims the reference broke");
    }
    return sb.toString();
  }

  /** A fact's key in words: which step, or which path of the merged tree or upper dir, and what. */
  static String describe(TreeSnapshot.Key k) {
    String what = k.field().isEmpty() ? "" : " " + k.field();
    String type = k.type().isEmpty() ? "" : " (" + k.type() + ")";
    return switch (k.section()) {
      case "step" -> "step " + k.where() + (k.field().isEmpty() ? " result" : what);
      case "tree" -> "merged " + k.where() + type + (what.isEmpty() ? " exists" : what);
      case "upper" -> "upper dir " + k.where() + type + (what.isEmpty() ? " exists" : what);
      case "reread" -> "upper dir read back as a layer: " + k.where() + type + (what.isEmpty() ? " exists" : what);
      default -> k.toString();
    };
  }

  public ObjectNode json() {
    ObjectNode root = FsDriver.JSON.createObjectNode();
    root.put("header", header);
    root.put("reference", reference);
    root.putPOJO("targets", targets);
    root.put("summary", summary());
    root.put("exitCode", exitCode());
    ArrayNode arr = root.putArray("scenarios");
    for (Conformance.Row r : rows) {
      ObjectNode s = arr.addObject();
      s.put("name", r.entry().scenario().name());
      s.put("description", r.entry().scenario().description());
      s.put("origin", r.entry().origin());
      if (r.referenceError() != null) {
        s.put("referenceError", r.referenceError());
      }
      s.putPOJO("brokenClaims", r.brokenClaims());
      ObjectNode cells = s.putObject("targets");
      for (Conformance.Cell c : r.cells()) {
        ObjectNode cell = cells.putObject(c.target());
        cell.put("status", c.status().word);
        if (c.error() != null) {
          cell.put("error", c.error());
        }
        if (!c.openBugs().isEmpty()) {
          cell.putPOJO("openBugs", c.openBugs());
        }
        ArrayNode ds = cell.putArray("differences");
        for (Comparison.Difference d : c.differences()) {
          ds.addObject().put("what", describe(d.key())).put("reference", d.oracle()).put("target", d.target());
        }
      }
    }
    return root;
  }

  private static String pad(String s, int w) {
    return s.length() >= w ? s : s + " ".repeat(w - s.length());
  }
}
