package dev.lamina.inspect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Dive's CI rules ({@code .dive-ci}): {@code lowestEfficiency} (ratio 0-1), {@code highestWastedBytes} (a byte size
 * like 20MB) and {@code highestUserWastedPercent} (ratio 0-1 of the bytes added after the base layer). Keys may be
 * camelCase, kebab-case or snake_case; "disabled", "off", "false" or empty turn a rule off. Defaults are dive's:
 * 0.9, disabled, 0.1.
 */
public final class DiveCiRules {
  /** The three rules, by canonical (camelCase) name. */
  public static final String LOWEST_EFFICIENCY = "lowestEfficiency";
  public static final String HIGHEST_WASTED_BYTES = "highestWastedBytes";
  public static final String HIGHEST_USER_WASTED_PERCENT = "highestUserWastedPercent";

  /** A rule's verdict. */
  public enum Status { PASS, FAIL, SKIP }

  /** One evaluated rule: its name, configured value, verdict and explanation. */
  public record Result(String rule, String configured, Status status, String message) {}

  private final Map<String, String> values = new LinkedHashMap<>();

  /** Dive's defaults. */
  public DiveCiRules() {
    values.put(HIGHEST_USER_WASTED_PERCENT, "0.1");
    values.put(HIGHEST_WASTED_BYTES, "disabled");
    values.put(LOWEST_EFFICIENCY, "0.9");
  }

  /** Sets a rule from a key in any spelling; returns false when the key is not a rule. */
  public boolean set(String key, String value) {
    String canonical = canonical(key);
    if (canonical == null) {
      return false;
    }
    values.put(canonical, value == null ? "" : value.strip());
    return true;
  }

  /** The canonical name of a rule key in any spelling, or null. */
  static String canonical(String key) {
    String k = key.strip().replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    for (String name : List.of(LOWEST_EFFICIENCY, HIGHEST_WASTED_BYTES, HIGHEST_USER_WASTED_PERCENT)) {
      if (name.toLowerCase(Locale.ROOT).equals(k)) {
        return name;
      }
    }
    return null;
  }

  /**
   * Reads a dive CI file: YAML with the rules under {@code rules:} (dive's format; other keys such as plugins are
   * ignored). Only the flat {@code key: value} form dive documents is understood, so no YAML library is needed.
   *
   * @throws IOException naming the file and line when a rule line cannot be read
   */
  public void load(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) {
      String line = stripComment(lines.get(i));
      if (line.isBlank() || line.strip().equals("---") || line.strip().startsWith("-")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw new IOException(file + " line " + (i + 1) + ": expected 'key: value', got '" + lines.get(i).strip()
            + "' (dive's CI format: a 'rules:' map of lowestEfficiency, highestWastedBytes, highestUserWastedPercent)");
      }
      String key = line.substring(0, colon).strip();
      String value = unquote(line.substring(colon + 1).strip());
      if (canonical(key) != null) {
        set(key, value);
      }
    }
  }

  private static String stripComment(String line) {
    boolean single = false;
    boolean dbl = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\'' && !dbl) {
        single = !single;
      } else if (c == '"' && !single) {
        dbl = !dbl;
      } else if (c == '#' && !single && !dbl && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }

  static boolean disabled(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    return v.isEmpty() || v.equals("disabled") || v.equals("off") || v.equals("false");
  }

  /**
   * Checks every rule's value, so a typo fails before the image is read.
   *
   * @throws IllegalArgumentException naming the rule and the value
   */
  public void validate() {
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (disabled(e.getValue())) {
        continue;
      }
      if (e.getKey().equals(HIGHEST_WASTED_BYTES)) {
        LayerBytes.parse(e.getValue());
      } else {
        ratio(e.getKey(), e.getValue());
      }
    }
  }

  private static double ratio(String rule, String value) {
    double v;
    try {
      v = Double.parseDouble(value);
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException("invalid " + rule + " value '" + value + "': expected a ratio 0-1");
    }
    if (v < 0 || v > 1) {
      throw new IllegalArgumentException(rule + " value " + value + " is outside the allowed range 0-1");
    }
    return v;
  }

  /** Evaluates the rules on an analysis, in name order as dive reports them. */
  public List<Result> evaluate(LayerAnalysis a, Efficiency.Mode mode) {
    validate();
    EfficiencyResult eff = a.efficiency(mode);
    List<Result> out = new ArrayList<>();
    for (String rule : List.of(HIGHEST_USER_WASTED_PERCENT, HIGHEST_WASTED_BYTES, LOWEST_EFFICIENCY)) {
      String value = values.get(rule);
      if (disabled(value)) {
        out.add(new Result(rule, value, Status.SKIP, "rule disabled"));
        continue;
      }
      switch (rule) {
        case LOWEST_EFFICIENCY -> {
          double threshold = ratio(rule, value);
          boolean fail = threshold > eff.score();
          out.add(new Result(rule, value, fail ? Status.FAIL : Status.PASS, fail
              ? String.format(Locale.ROOT, "image efficiency is too low (efficiency=%.2f < threshold=%s)",
                  eff.score(), value)
              : value));
        }
        case HIGHEST_WASTED_BYTES -> {
          long threshold = LayerBytes.parse(value);
          boolean fail = eff.wastedBytes() > threshold;
          out.add(new Result(rule, value, fail ? Status.FAIL : Status.PASS, fail
              ? String.format("too many bytes wasted (wasted-bytes=%d > threshold=%d)", eff.wastedBytes(), threshold)
              : value));
        }
        default -> {
          double threshold = ratio(rule, value);
          double userWasted = a.wastedUserRatio(mode);
          // like dive: with nothing added after the base layer the ratio is NaN (never fails) or infinite (fails)
          boolean fail = userWasted > threshold;
          out.add(new Result(rule, value, fail ? Status.FAIL : Status.PASS, fail
              ? String.format(Locale.ROOT, "too many bytes wasted, relative to the user bytes added "
                  + "(%%-user-wasted-bytes=%.2f > threshold=%s)", userWasted, value)
              : value));
        }
      }
    }
    return out;
  }

  /** Dive's CI report: analysis, inefficient files, then each rule's verdict and a summary line. */
  public static String report(LayerAnalysis a, Efficiency.Mode mode, List<Result> results) {
    EfficiencyResult eff = a.efficiency(mode);
    StringBuilder out = new StringBuilder();
    out.append("Analysis:\n");
    out.append(String.format(Locale.ROOT, "  efficiency:        %.2f %%%n", eff.score() * 100));
    out.append(String.format("  wastedBytes:       %d bytes%s%n", eff.wastedBytes(),
        eff.wastedBytes() > 0 ? " (" + LayerBytes.human(eff.wastedBytes()) + ")" : ""));
    out.append(String.format(Locale.ROOT, "  userWastedPercent: %s%n",
        eff.wastedBytes() > 0 ? String.format(Locale.ROOT, "%.2f %%", a.wastedUserRatio(mode) * 100) : "0 %"));
    out.append('\n');
    if (eff.inefficient().isEmpty()) {
      out.append("Inefficient Files: (None)\n");
    } else {
      out.append("Inefficient Files:\n");
      out.append(String.format("  %-5s  %-12s  %s%n", "Count", "Wasted Space", "File Path"));
      for (EfficiencyPath p : eff.inefficient()) {
        out.append(String.format("  %-5d  %-12s  %s%n", p.count(), LayerBytes.human(p.cumulativeSize()), p.path()));
      }
    }
    out.append('\n').append("Evaluation:\n");
    int pass = 0;
    int fail = 0;
    int skip = 0;
    for (Result r : results) {
      out.append(String.format("  %-4s  %s (%s)%n", r.status(), r.rule(), r.message()));
      switch (r.status()) {
        case PASS -> pass++;
        case FAIL -> fail++;
        case SKIP -> skip++;
      }
    }
    out.append('\n').append(String.format("Result: %s [Total:%d] [Passed:%d] [Failed:%d] [Skipped:%d]%n",
        fail > 0 ? "FAIL" : "PASS", results.size(), pass, fail, skip));
    return out.toString();
  }

  /** Whether every enabled rule passed. */
  public static boolean passed(List<Result> results) {
    return results.stream().noneMatch(r -> r.status() == Status.FAIL);
  }
}
