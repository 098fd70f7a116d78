package dev.lamina.inspect;

import dev.lamina.inspect.InspectTemplate.Action;
import dev.lamina.inspect.InspectTemplate.Block;
import dev.lamina.inspect.InspectTemplate.Field;
import dev.lamina.inspect.InspectTemplate.Ident;
import dev.lamina.inspect.InspectTemplate.Literal;
import dev.lamina.inspect.InspectTemplate.Node;
import dev.lamina.inspect.InspectTemplate.Operand;
import dev.lamina.inspect.InspectTemplate.Sub;
import dev.lamina.inspect.InspectTemplate.TemplateException;
import dev.lamina.inspect.InspectTemplate.Text;
import java.util.ArrayList;
import java.util.List;

/** Parses Go template text into {@link InspectTemplate} nodes: actions between {{ }}, with trim markers. */
final class InspectTemplateParser {
  private static final String CHAIN = "\u0000chain";
  private final String text;
  private int pos;
  private String pendingEnd; // "end" or "else" that closed the last nested parse

  InspectTemplateParser(String text) {
    this.text = text;
  }

  /** Parses nodes until the end of text, or until {{end}}/{{else}} when nested. */
  List<Node> parseNodes(boolean nested) throws TemplateException {
    List<Node> nodes = new ArrayList<>();
    while (pos < text.length()) {
      int open = text.indexOf("{{", pos);
      if (open < 0) {
        nodes.add(new Text(text.substring(pos)));
        pos = text.length();
        break;
      }
      String literal = text.substring(pos, open);
      boolean trimLeft = text.startsWith("{{- ", open) || text.startsWith("{{-\t", open)
          || text.startsWith("{{-\n", open);
      if (trimLeft) {
        literal = literal.stripTrailing();
      }
      if (!literal.isEmpty()) {
        nodes.add(new Text(literal));
      }
      int start = open + (trimLeft ? 3 : 2);
      int close = findClose(start);
      boolean trimRight = close > start && text.charAt(close - 1) == '-'
          && close - 2 >= start && Character.isWhitespace(text.charAt(close - 2));
      String src = text.substring(start, trimRight ? close - 1 : close).strip();
      pos = close + 2;
      if (trimRight) {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
          pos++;
        }
      }
      if (src.startsWith("/*")) {
        continue; // a comment
      }
      List<String> toks = tokens(src);
      if (toks.isEmpty()) {
        throw new TemplateException("missing value for command in {{" + src + "}}");
      }
      String kw = toks.get(0);
      switch (kw) {
        case "end", "else" -> {
          if (!nested) {
            throw new TemplateException("unexpected {{" + src + "}}");
          }
          pendingEnd = kw;
          return nodes;
        }
        case "range", "if", "with" -> {
          var pipe = pipeline(toks.subList(1, toks.size()), src);
          List<Node> body = parseNodes(true);
          List<Node> orElse = List.of();
          if ("else".equals(pendingEnd)) {
            orElse = parseNodes(true);
          }
          if (!"end".equals(pendingEnd)) {
            throw new TemplateException("unexpected EOF: {{" + src + "}} has no {{end}}");
          }
          pendingEnd = null;
          nodes.add(new Block(kw, pipe, body, orElse, src));
        }
        case "define", "template", "block", "break", "continue" -> throw new TemplateException(
            "{{" + kw + "}} is not supported by lamina's --format");
        default -> nodes.add(new Action(pipeline(toks, src), src));
      }
    }
    if (nested) {
      throw new TemplateException("unexpected EOF: a {{range}}, {{if}} or {{with}} has no {{end}}");
    }
    return nodes;
  }

  private int findClose(int from) throws TemplateException {
    boolean inString = false;
    char quote = 0;
    for (int i = from; i < text.length() - 1; i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\' && quote == '"') {
          i++;
        } else if (c == quote) {
          inString = false;
        }
      } else if (c == '"' || c == '`') {
        inString = true;
        quote = c;
      } else if (c == '}' && text.charAt(i + 1) == '}') {
        return i;
      }
    }
    throw new TemplateException("unclosed action: '{{' at offset " + (from - 2) + " has no '}}'");
  }

  /** Splits an action into tokens: words, string literals, '|', '(' and ')'. */
  static List<String> tokens(String src) throws TemplateException {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < src.length()) {
      char c = src.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '|' || c == '(' || c == ')') {
        out.add(String.valueOf(c));
        i++;
        if (c == ')' && i < src.length() && src.charAt(i) == '.') {
          // (pipeline).Field: the field chain applies to the parenthesised value
          int j = i;
          while (j < src.length() && !Character.isWhitespace(src.charAt(j)) && "|()\"`".indexOf(src.charAt(j)) < 0) {
            j++;
          }
          out.add(CHAIN + src.substring(i, j));
          i = j;
        }
      } else if (c == '"' || c == '`') {
        int j = i + 1;
        while (j < src.length() && src.charAt(j) != c) {
          j += (c == '"' && src.charAt(j) == '\\') ? 2 : 1;
        }
        if (j >= src.length()) {
          throw new TemplateException("unterminated string in {{" + src + "}}");
        }
        out.add(src.substring(i, j + 1));
        i = j + 1;
      } else {
        int j = i;
        while (j < src.length() && !Character.isWhitespace(src.charAt(j)) && "|()\"`".indexOf(src.charAt(j)) < 0) {
          j++;
        }
        out.add(src.substring(i, j));
        i = j;
      }
    }
    return out;
  }

  private List<List<Operand>> pipeline(List<String> toks, String src) throws TemplateException {
    List<List<Operand>> pipe = new ArrayList<>();
    List<Operand> cmd = new ArrayList<>();
    for (int i = 0; i < toks.size(); i++) {
      String t = toks.get(i);
      if (t.equals("|")) {
        if (cmd.isEmpty()) {
          throw new TemplateException("missing command before '|' in {{" + src + "}}");
        }
        pipe.add(cmd);
        cmd = new ArrayList<>();
      } else if (t.equals("(")) {
        int depth = 1;
        int j = i + 1;
        for (; j < toks.size() && depth > 0; j++) {
          depth += toks.get(j).equals("(") ? 1 : toks.get(j).equals(")") ? -1 : 0;
        }
        if (depth != 0) {
          throw new TemplateException("unclosed '(' in {{" + src + "}}");
        }
        Operand sub = new Sub(pipeline(toks.subList(i + 1, j - 1), src), src);
        i = j - 1;
        if (i + 1 < toks.size() && toks.get(i + 1).startsWith(CHAIN)) {
          Field f = (Field) operand(toks.get(i + 1).substring(CHAIN.length()), src);
          sub = new InspectTemplate.Chain(sub, f);
          i++;
        }
        cmd.add(sub);
      } else if (t.equals(")")) {
        throw new TemplateException("unexpected ')' in {{" + src + "}}");
      } else {
        cmd.add(operand(t, src));
      }
    }
    if (cmd.isEmpty()) {
      throw new TemplateException("missing value for command in {{" + src + "}}");
    }
    pipe.add(cmd);
    return pipe;
  }

  private static Operand operand(String t, String src) throws TemplateException {
    if (t.startsWith(".")) {
      List<String> path = new ArrayList<>();
      if (!t.equals(".")) {
        for (String part : t.substring(1).split("\\.", -1)) {
          if (part.isEmpty()) {
            throw new TemplateException("bad field path '" + t + "' in {{" + src + "}}");
          }
          path.add(part);
        }
      }
      return new Field(path, t);
    }
    if (t.startsWith("\"")) {
      return new Literal(unquote(t));
    }
    if (t.startsWith("`")) {
      return new Literal(t.substring(1, t.length() - 1));
    }
    if (t.startsWith("$")) {
      throw new TemplateException("variables (" + t + ") are not supported by lamina's --format");
    }
    if (t.equals("true") || t.equals("false")) {
      return new Literal(Boolean.parseBoolean(t));
    }
    if (t.equals("nil")) {
      return new Literal(null);
    }
    if (t.matches("-?\\d+")) {
      return new Literal(Long.parseLong(t));
    }
    if (t.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      return new Ident(t);
    }
    throw new TemplateException("unexpected '" + t + "' in {{" + src + "}}");
  }

  private static String unquote(String q) {
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i < q.length() - 1; i++) {
      char c = q.charAt(i);
      if (c == '\\' && i + 1 < q.length() - 1) {
        char n = q.charAt(++i);
        sb.append(switch (n) {
          case 'n' -> '\n';
          case 't' -> '\t';
          case 'r' -> '\r';
          default -> n;
        });
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
