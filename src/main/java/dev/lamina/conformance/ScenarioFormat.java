package dev.lamina.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The line-based scenario format (README "lamina conformance", {@code lamina conformance --help}):
 *
 * <pre>
 * # a comment
 * layer bottom                       # lower layers, listed bottom first (optional: else the built-in fixture)
 *   mkdir d 0755
 *   create d/f "some data\n" 0644
 *   whiteout gone                    # a 0/0 character device; wh_file gone writes .wh.gone instead
 * scenario rename_lower_file: rename a lower file leaves a whiteout
 *   rename lowfile moved => ok       # "=> ERRNO" claims what the kernel answers; checked on the reference
 *   lstat lowfile => ENOENT
 * scenario atime_strict: a read updates atime with strictatime
 *   mount_options strictatime        # first line only: options added to every target's mount
 *   accessed lowfile read
 * </pre>
 *
 * One step per line: an operation name and its arguments. An argument is a word, a number (decimal, no
 * leading zero: modes like {@code 0640} stay words), {@code true}/{@code false}, a {@code "quoted string"}
 * with {@code \n \t \" \\} escapes, a list {@code [a b c]}, a map {@code {pattern 1048576 seed 1}}, or a
 * sub-step {@code (unlink many/e05)}. Inside a word, {@code <x*N>} stands for N copies of x (long names).
 */
public final class ScenarioFormat {

  /** The operations of {@code fsdriver.py}, plus the layer-building ones. */
  public static final Set<String> OPS = Set.of("create", "writefile", "pwrite", "append", "read", "truncate",
      "open", "fwrite", "fread", "ftruncate", "fstat", "fchmod", "fsync", "close", "chmod", "chown", "lchown",
      "utimens", "rename", "unlink", "rmdir", "mkdir", "makedirs", "symlink", "readlink", "link", "mkfifo",
      "mknod", "setxattr", "getxattr", "listxattr", "removexattr", "umask", "setdefacl", "acl", "stat",
      "lstat", "stattimes", "saveino", "sameino", "sameinoas", "fallocate", "statall", "chdir", "longpath",
      "listdir", "access", "readdir_during_changes", "readdir_seek", "sparse", "parallel_append", "parallel",
      "settimes_all", "whiteout", "wh_file", "opaque", "opaque_wh", "accessed", "mmapwrite", "savetimes",
      "timeschanged", "tmpfile", "flink", "flink_empty", "readdir_rewind",
      "readdir_after_open", "as", "setacl", "statxmode", "name_to_handle");

  private static final Pattern NUMBER = Pattern.compile("-?[1-9][0-9]*|0");
  private static final Pattern REPEAT = Pattern.compile("<([^<>*]+)\\*([0-9]+)>");
  private static final Pattern EXPECT = Pattern.compile("ok|E[A-Z0-9]+");

  /** A lower layer: a name and the steps that build it. */
  public record Layer(String name, List<Step> steps) {
    public Layer {
      steps = List.copyOf(steps);
    }
  }

  /** What one file holds: its own layers (empty: the built-in fixture) and its scenarios. */
  public record ScenarioFile(String origin, List<Layer> layers, List<Scenario> scenarios) {
    public ScenarioFile {
      layers = List.copyOf(layers);
      scenarios = List.copyOf(scenarios);
    }
  }

  /** A line that does not parse: says which file and line, and why. */
  public static final class FormatException extends IllegalArgumentException {
    FormatException(String origin, int line, String why) {
      super(origin + ":" + line + ": " + why);
    }
  }

  private ScenarioFormat() {}

  public static ScenarioFile parse(String text, String origin) {
    List<Layer> layers = new ArrayList<>();
    List<Scenario> scenarios = new ArrayList<>();
    String kind = null;
    String name = null;
    String description = null;
    String mountOptions = "";
    List<Step> steps = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i <= lines.length; i++) {
      String line = i < lines.length ? lines[i].strip() : "scenario (end)";
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      boolean header = line.startsWith("scenario ") || line.startsWith("layer ");
      if (header) {
        if (kind != null) {
          if (steps.isEmpty() && kind.equals("scenario")) {
            throw new FormatException(origin, i, "scenario " + name + " has no steps");
          }
          if (kind.equals("layer")) {
            layers.add(new Layer(name, steps));
          } else {
            scenarios.add(new Scenario(name, description, steps, mountOptions));
          }
        }
        if (i == lines.length) {
          break;
        }
        kind = line.startsWith("layer ") ? "layer" : "scenario";
        String rest = line.substring(kind.length()).strip();
        int colon = rest.indexOf(':');
        name = (colon < 0 ? rest : rest.substring(0, colon)).strip();
        description = colon < 0 ? "" : rest.substring(colon + 1).strip();
        if (!name.matches("[A-Za-z0-9_.-]+")) {
          throw new FormatException(origin, i + 1, kind + " name '" + name
              + "' may use only letters, digits, '_', '.' and '-'");
        }
        steps = new ArrayList<>();
        mountOptions = "";
        continue;
      }
      if (line.startsWith("mount_options ") && "scenario".equals(kind) && steps.isEmpty()) {
        mountOptions = line.substring("mount_options ".length()).strip();
        continue;
      }
      if (kind == null) {
        throw new FormatException(origin, i + 1, "a step before any 'scenario NAME: description' or "
            + "'layer NAME' line");
      }
      steps.add(parseStep(line, origin, i + 1));
    }
    Set<String> seen = new java.util.HashSet<>();
    for (Scenario s : scenarios) {
      if (!seen.add(s.name())) {
        throw new IllegalArgumentException(origin + ": scenario " + s.name() + " is defined twice");
      }
    }
    return new ScenarioFile(origin, layers, scenarios);
  }

  static Step parseStep(String line, String origin, int lineNo) {
    String expect = null;
    int arrow = findArrow(line);
    if (arrow >= 0) {
      expect = line.substring(arrow + 2).strip();
      line = line.substring(0, arrow).strip();
      if (!EXPECT.matcher(expect).matches()) {
        throw new FormatException(origin, lineNo, "'=> " + expect + "': expected 'ok' or an errno name"
            + " like ENOENT");
      }
    }
    Tokens t = new Tokens(line, origin, lineNo);
    Object op = t.value();
    if (!(op instanceof String s) || !OPS.contains(s)) {
      throw new FormatException(origin, lineNo, "unknown operation '" + op + "' (known: "
          + OPS.stream().sorted().collect(Collectors.joining(" ")) + ")");
    }
    List<Object> args = new ArrayList<>();
    while (!t.atEnd()) {
      args.add(t.value());
    }
    return new Step(s, args, expect);
  }

  /** The position of "=>" outside quotes, or -1. */
  private static int findArrow(String line) {
    boolean quoted = false;
    for (int i = 0; i + 1 < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && quoted) {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && c == '=' && line.charAt(i + 1) == '>') {
        return i;
      }
    }
    return -1;
  }

  /** A cursor over one line's arguments. */
  private static final class Tokens {
    private final String s;
    private final String origin;
    private final int line;
    private int pos;

    Tokens(String s, String origin, int line) {
      this.s = s;
      this.origin = origin;
      this.line = line;
    }

    boolean atEnd() {
      skipBlanks();
      return pos >= s.length();
    }

    private void skipBlanks() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
      if (pos < s.length() && s.charAt(pos) == '#' && pos > 0 && Character.isWhitespace(s.charAt(pos - 1))) {
        pos = s.length(); // a trailing comment
      }
    }

    private FormatException error(String why) {
      return new FormatException(origin, line, why + " at column " + (pos + 1) + ": " + s);
    }

    Object value() {
      skipBlanks();
      if (pos >= s.length()) {
        throw error("a value is missing");
      }
      char c = s.charAt(pos);
      switch (c) {
        case '"':
          return quoted();
        case '[':
          pos++;
          return List.copyOf(until(']'));
        case '(': {
          pos++;
          List<Object> all = until(')');
          if (all.isEmpty() || !(all.get(0) instanceof String op) || !OPS.contains(op)) {
            throw error("a sub-step (OP ARGS...) needs a known operation first");
          }
          Map<String, Object> sub = new LinkedHashMap<>();
          sub.put("op", op);
          sub.put("args", List.copyOf(all.subList(1, all.size())));
          return sub;
        }
        case '{': {
          pos++;
          List<Object> all = until('}');
          if (all.size() % 2 != 0) {
            throw error("a map {KEY VALUE ...} needs pairs");
          }
          Map<String, Object> m = new LinkedHashMap<>();
          for (int i = 0; i < all.size(); i += 2) {
            m.put(String.valueOf(all.get(i)), all.get(i + 1));
          }
          return m;
        }
        case ']':
        case ')':
        case '}':
          throw error("unexpected '" + c + "'");
        default:
          return word();
      }
    }

    private List<Object> until(char close) {
      List<Object> out = new ArrayList<>();
      while (true) {
        skipBlanks();
        if (pos >= s.length()) {
          throw error("'" + close + "' is missing");
        }
        if (s.charAt(pos) == close) {
          pos++;
          return out;
        }
        out.add(value());
      }
    }

    private String quoted() {
      StringBuilder sb = new StringBuilder();
      pos++;
      while (pos < s.length()) {
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c == '\\' && pos < s.length()) {
          char e = s.charAt(pos++);
          switch (e) {
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            case '"', '\\' -> sb.append(e);
            default -> throw error("unknown escape \\" + e);
          }
        } else {
          sb.append(c);
        }
      }
      throw error("a closing '\"' is missing");
    }

    private Object word() {
      int start = pos;
      while (pos < s.length() && !Character.isWhitespace(s.charAt(pos)) && "[](){}\"".indexOf(s.charAt(pos)) < 0) {
        pos++;
      }
      String w = s.substring(start, pos);
      if (NUMBER.matcher(w).matches()) {
        return Long.parseLong(w);
      }
      if (w.equals("true") || w.equals("false")) {
        return Boolean.parseBoolean(w);
      }
      Matcher m = REPEAT.matcher(w);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1).repeat(Integer.parseInt(m.group(2)))));
      }
      m.appendTail(sb);
      return sb.toString();
    }
  }

  // ---- writing (the built-in files were written from the former Java scenarios with these) ----

  /** One step as a line of the format. */
  public static String format(Step st) {
    StringBuilder sb = new StringBuilder(st.op());
    for (Object a : st.args()) {
      sb.append(' ').append(formatValue(a));
    }
    if (st.expect() != null) {
      sb.append(" => ").append(st.expect());
    }
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  static String formatValue(Object a) {
    if (a instanceof List<?> l) {
      return l.stream().map(ScenarioFormat::formatValue).collect(Collectors.joining(" ", "[", "]"));
    }
    if (a instanceof Map<?, ?> m) {
      if (m.containsKey("op") && m.containsKey("args") && m.size() == 2) {
        StringBuilder sb = new StringBuilder("(").append(m.get("op"));
        for (Object x : (List<Object>) m.get("args")) {
          sb.append(' ').append(formatValue(x));
        }
        return sb.append(')').toString();
      }
      return m.entrySet().stream().map(e -> e.getKey() + " " + formatValue(e.getValue()))
          .collect(Collectors.joining(" ", "{", "}"));
    }
    if (a instanceof Number || a instanceof Boolean) {
      return a.toString();
    }
    String s = String.valueOf(a);
    String word = compress(s);
    Tokens back = new Tokens(word, "", 0);
    if (!word.isEmpty() && !word.contains("=>") && s.equals(back.value()) && back.atEnd()) {
      return word;
    }
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t")
        + "\"";
  }

  /** Runs of 8 or more of one character, or of "../", written as {@code <x*N>}. */
  static String compress(String s) {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      if (s.startsWith("../", i)) {
        int n = 0;
        while (s.startsWith("../", i + 3 * n)) {
          n++;
        }
        if (n >= 4) {
          sb.append("<../*").append(n).append('>');
          i += 3 * n;
          continue;
        }
      }
      char c = s.charAt(i);
      int j = i;
      while (j < s.length() && s.charAt(j) == c) {
        j++;
      }
      if (j - i >= 8 && "<>*".indexOf(c) < 0) {
        sb.append('<').append(c).append('*').append(j - i).append('>');
      } else {
        sb.append(s, i, j);
      }
      i = j;
    }
    return sb.toString();
  }
}
