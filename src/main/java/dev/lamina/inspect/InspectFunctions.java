package dev.lamina.inspect;

import dev.lamina.inspect.InspectTemplate.TemplateException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** The functions of docker's --format templates (docker's templates package plus Go's builtins). */
final class InspectFunctions {
  private InspectFunctions() {}

  static Object call(String name, List<Object> args, String src) throws TemplateException {
    switch (name) {
      case "json":
        need(name, args, 1, src);
        return InspectValues.json(args.get(0));
      case "index":
        return index(args, src);
      case "join": {
        need(name, args, 2, src);
        List<String> parts = new ArrayList<>();
        for (Object e : InspectValues.elements(args.get(0), src)) {
          parts.add(InspectValues.print(e));
        }
        return String.join(InspectValues.print(args.get(1)), parts);
      }
      case "len":
        need(name, args, 1, src);
        return (long) InspectValues.length(args.get(0));
      case "lower":
        need(name, args, 1, src);
        return InspectValues.print(args.get(0)).toLowerCase(Locale.ROOT);
      case "upper":
        need(name, args, 1, src);
        return InspectValues.print(args.get(0)).toUpperCase(Locale.ROOT);
      case "title": {
        need(name, args, 1, src);
        String s = InspectValues.print(args.get(0));
        StringBuilder sb = new StringBuilder();
        boolean start = true;
        for (char c : s.toCharArray()) {
          sb.append(start ? Character.toUpperCase(c) : c);
          start = Character.isWhitespace(c);
        }
        return sb.toString();
      }
      case "split":
        need(name, args, 2, src);
        return Arrays.asList(InspectValues.print(args.get(0)).split(
            java.util.regex.Pattern.quote(InspectValues.print(args.get(1))), -1));
      case "print":
        return sprint(args, false);
      case "println":
        return sprint(args, true);
      case "printf":
        if (args.isEmpty()) {
          throw new TemplateException("wrong number of args for printf in {{" + src + "}}: want at least 1");
        }
        return printf(InspectValues.print(args.get(0)), args.subList(1, args.size()));
      case "eq": {
        if (args.size() < 2) {
          throw new TemplateException("missing argument for comparison in {{" + src + "}}");
        }
        for (Object o : args.subList(1, args.size())) {
          if (same(args.get(0), o)) {
            return true;
          }
        }
        return false;
      }
      case "ne":
        need(name, args, 2, src);
        return !same(args.get(0), args.get(1));
      case "not":
        need(name, args, 1, src);
        return !InspectValues.truthy(args.get(0));
      case "and": {
        Object last = null;
        for (Object o : args) {
          last = o;
          if (!InspectValues.truthy(o)) {
            return o;
          }
        }
        return last;
      }
      case "or": {
        Object last = null;
        for (Object o : args) {
          last = o;
          if (InspectValues.truthy(o)) {
            return o;
          }
        }
        return last;
      }
      default:
        throw new TemplateException("function \"" + name + "\" not defined (in {{" + src + "}})");
    }
  }

  private static void need(String name, List<Object> args, int n, String src) throws TemplateException {
    if (args.size() != n) {
      throw new TemplateException(
          "wrong number of args for " + name + " in {{" + src + "}}: want " + n + " got " + args.size());
    }
  }

  private static Object index(List<Object> args, String src) throws TemplateException {
    if (args.isEmpty()) {
      throw new TemplateException("wrong number of args for index in {{" + src + "}}: want at least 1");
    }
    Object v = args.get(0);
    for (Object key : args.subList(1, args.size())) {
      if (v instanceof List<?> l) {
        if (!(key instanceof Long i)) {
          throw new TemplateException("cannot index slice with " + InspectValues.print(key) + " in {{" + src + "}}");
        }
        if (i < 0 || i >= l.size()) {
          throw new TemplateException("error calling index: index out of range: " + i + " in {{" + src + "}}");
        }
        v = InspectValues.nilFor(l.get(i.intValue()), Object.class);
      } else if (v instanceof Map<?, ?> m) {
        Object e = m.get(InspectValues.print(key));
        v = e == null ? "" : e; // Go returns the element type's zero value for a missing key
      } else if (v instanceof InspectValues.Nil n && n == InspectValues.Nil.MAP) {
        v = "";
      } else if (v instanceof InspectValues.Nil) {
        throw new TemplateException("error calling index: index out of range: " + InspectValues.print(key)
            + " in {{" + src + "}}");
      } else {
        throw new TemplateException("can't index item of type " + InspectValues.typeName(v) + " in {{" + src + "}}");
      }
    }
    return v;
  }

  /** Go's Sprint (spaces between operands when neither is a string) or Sprintln (always, plus newline). */
  private static String sprint(List<Object> args, boolean ln) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < args.size(); i++) {
      Object a = args.get(i);
      if (i > 0 && (ln || !(a instanceof String) && !(args.get(i - 1) instanceof String))) {
        sb.append(' ');
      }
      sb.append(InspectValues.print(a));
    }
    return ln ? sb.append('\n').toString() : sb.toString();
  }

  private static String printf(String format, List<Object> args) {
    StringBuilder sb = new StringBuilder();
    int argi = 0;
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 >= format.length()) {
        sb.append(c);
        continue;
      }
      char verb = format.charAt(++i);
      if (verb == '%') {
        sb.append('%');
        continue;
      }
      if (argi >= args.size()) {
        sb.append("%!").append(verb).append("(MISSING)");
        continue;
      }
      Object a = args.get(argi++);
      switch (verb) {
        case 'q' -> sb.append(InspectJson.compact(InspectValues.print(a)));
        default -> sb.append(InspectValues.print(a));
      }
    }
    for (; argi < args.size(); argi++) {
      sb.append("%!(EXTRA ").append(InspectValues.print(args.get(argi))).append(')');
    }
    return sb.toString();
  }

  private static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return x.longValue() == y.longValue();
    }
    if (a instanceof InspectValues.Nil || b instanceof InspectValues.Nil) {
      return InspectValues.print(a).equals(InspectValues.print(b));
    }
    return Objects.equals(a, b);
  }
}
