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

  /** A CI file that cannot be read as dive's format: names the file, the line and the key. */
  public static final class ConfigException extends IOException {
    ConfigException(Path file, int line, String message) {
      super(file + " line " + line + ": " + message);
    }
  }

  private static final String FORMAT = " (dive's CI format: a 'rules:' map of lowestEfficiency, highestWastedBytes, "
      + "highestUserWastedPercent, and optionally 'plugins:' with 'PLUGIN/RULE: value' rules)";

  /**
   * Reads a dive CI file: YAML with the rules under {@code rules:} and an optional {@code plugins:} list (dive's
   * format; plugin rules {@code PLUGIN/RULE} are accepted and not evaluated). Only the block form dive documents is
   * understood, so no YAML library is needed. A CI gate must not pass on a config it misread: a line that is not
   * {@code key: value}, an unknown key at the top or under {@code rules:}, a key given twice or a rule outside
   * {@code rules:} is an error.
   *
   * @throws ConfigException naming the file, the line and the key
   */
  public void load(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (java.nio.charset.MalformedInputException e) {
      throw new ConfigException(file, 1, "not UTF-8 text" + FORMAT);
    }
    String section = null; // the top-level key whose block we are in
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      int no = i + 1;
      String raw = lines.get(i);
      String line = stripComment(raw, file, no);
      if (line.isBlank() || line.strip().equals("---")) {
        continue;
      }
      if (line.strip().equals("...")) {
        break;
      }
      int indent = 0;
      while (indent < line.length() && line.charAt(indent) == ' ') {
        indent++;
      }
      if (indent < line.length() && line.charAt(indent) == '\t') {
        throw new ConfigException(file, no, "a tab in the indentation (YAML allows spaces only)");
      }
      String body = line.strip();
      if (body.startsWith("-")) {
        if (indent == 0 || !"plugins".equals(section)) {
          throw new ConfigException(file, no, "unexpected list item '" + body + "'" + FORMAT);
        }
        continue;
      }
      int colon = keyEnd(body);
      if (colon < 0) {
        throw new ConfigException(file, no, "expected 'key: value', got '" + raw.strip() + "'" + FORMAT);
      }
      String key = unquote(body.substring(0, colon).strip());
      String value = body.substring(colon + 1).strip();
      if (value.startsWith("{") || value.startsWith("[") || value.startsWith("&") || value.startsWith("*")
          || value.startsWith("|") || value.startsWith(">")) {
        throw new ConfigException(file, no, "key '" + key + "': only plain 'key: value' lines are understood, not '"
            + value + "'" + FORMAT);
      }
      value = unquote(value);
      if (indent == 0) {
        if (!key.equals("rules") && !key.equals("plugins")) {
          String hint = canonical(key) != null ? "; put it under 'rules:'" : "";
          throw new ConfigException(file, no, "unknown key '" + key + "'" + hint + FORMAT);
        }
        if (!value.isEmpty()) {
          throw new ConfigException(file, no, "key '" + key + "' takes an indented block, not '" + value + "'"
              + FORMAT);
        }
        if (!seen.add(key)) {
          throw new ConfigException(file, no, "key '" + key + "' is given twice");
        }
        section = key;
        continue;
      }
      if (!"rules".equals(section)) {
        throw new ConfigException(file, no, "unexpected key '" + key + "' under '" + section + ":'" + FORMAT);
      }
      if (key.contains("/")) {
        continue; // a plugin's rule: dive's format allows it, lamina has no plugins
      }
      String canonical = canonical(key);
      if (canonical == null) {
        throw new ConfigException(file, no, "unknown rule '" + key + "'" + FORMAT);
      }
      if (!seen.add("rules." + canonical)) {
        throw new ConfigException(file, no, "rule '" + key + "' is given twice");
      }
      set(canonical, value);
      try {
        validateOne(canonical, values.get(canonical));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(file, no, "rule '" + key + "': " + e.getMessage());
      }
    }
  }

  /** The colon that ends a key (outside quotes, followed by a space or the line's end), or -1. */
  private static int keyEnd(String body) {
    boolean single = false;
    boolean dbl = false;
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '\'' && !dbl) {
        single = !single;
      } else if (c == '"' && !single) {
        dbl = !dbl;
      } else if (c == ':' && !single && !dbl && (i + 1 == body.length() || body.charAt(i + 1) == ' ')) {
        return i;
      }
    }
    return -1;
  }

  private static String stripComment(String line, Path file, int no) throws ConfigException {
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
    if (single || dbl) {
      throw new ConfigException(file, no, "unterminated quote in '" + line.strip() + "'");
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
      validateOne(e.getKey(), e.getValue());
    }
  }

  private static void validateOne(String rule, String value) {
    if (disabled(value)) {
      return;
    }
    if (rule.equals(HIGHEST_WASTED_BYTES)) {
      LayerBytes.parse(value);
    } else {
      ratio(rule, value);
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
        out.append(String.format("  %-5d  %-12s  %s%n", p.count(), LayerBytes.human(p.cumulativeSize()),
            dev.lamina.sys.FileNames.printable(p.path())));
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
