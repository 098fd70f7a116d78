package dev.lamina.inspect;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Go semantics for template values over Java records, lists and maps: field lookup by the JSON (Go) field name,
 * Go's {@code %v} printing ({@code [a b]}, {@code map[k:v]} with sorted keys, {@code {f1 f2}}), and Go's nil
 * values, which print by their type ({@code []}, {@code map[]}, {@code <nil>}).
 */
final class InspectValues {
  private InspectValues() {}

  /** A nil slice, map or pointer: Go prints it by its type, json prints null. */
  enum Nil {
    SLICE("[]"),
    MAP("map[]"),
    POINTER("<nil>");

    final String printed;

    Nil(String printed) {
      this.printed = printed;
    }
  }

  /** What Go prints for a missing map key or a field of nil. */
  static final String NO_VALUE = "<no value>";

  /** Field or key access; throws TemplateException when a record has no such field. */
  static Object field(Object value, String name, String at) throws InspectTemplate.TemplateException {
    if (value instanceof Nil || value == null) {
      return NO_VALUE_MARK;
    }
    if (value instanceof Map<?, ?> m) {
      return m.containsKey(name) ? nilFor(m.get(name), Object.class) : NO_VALUE_MARK;
    }
    if (value instanceof Record r) {
      for (RecordComponent c : r.getClass().getRecordComponents()) {
        JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class); // propagated to the accessor
        String goName = p != null ? p.value() : c.getName();
        if (goName.equals(name)) {
          try {
            return nilFor(c.getAccessor().invoke(r), c.getType());
          } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    throw new InspectTemplate.TemplateException(
        "executing at <" + at + ">: can't evaluate field " + name + " in type " + typeName(value));
  }

  /** Marks a missing map key (prints {@code <no value>}, json null). */
  static final Object NO_VALUE_MARK = new Object() {
    @Override
    public String toString() {
      return NO_VALUE;
    }
  };

  static Object nilFor(Object v, Class<?> type) {
    if (v != null) {
      return v;
    }
    if (List.class.isAssignableFrom(type) || Collection.class.isAssignableFrom(type)) {
      return Nil.SLICE;
    }
    if (Map.class.isAssignableFrom(type)) {
      return Nil.MAP;
    }
    if (type == String.class) {
      return "";
    }
    return Nil.POINTER;
  }

  /** Go's {@code %v}. */
  static String print(Object v) {
    if (v == null) {
      return Nil.POINTER.printed;
    }
    if (v instanceof Nil n) {
      return n.printed;
    }
    if (v instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      l.forEach(e -> parts.add(print(e)));
      return "[" + String.join(" ", parts) + "]";
    }
    if (v instanceof Map<?, ?> m) {
      List<String> parts = new ArrayList<>();
      // a null value in a map is Go's zero value of its element type (our maps hold strings or {})
      new TreeMap<>(stringKeys(m)).forEach((k, e) -> parts.add(k + ":" + (e == null ? "" : print(e))));
      return "map[" + String.join(" ", parts) + "]";
    }
    if (v instanceof Record r) {
      List<String> parts = new ArrayList<>();
      for (RecordComponent c : r.getClass().getRecordComponents()) {
        try {
          parts.add(print(nilFor(c.getAccessor().invoke(r), c.getType())));
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      return "{" + String.join(" ", parts) + "}";
    }
    return v.toString();
  }

  /** The {@code json} template function. */
  static String json(Object v) {
    if (v instanceof Nil || v == NO_VALUE_MARK) {
      return "null";
    }
    return InspectJson.compact(v);
  }

  static boolean truthy(Object v) {
    if (v == null || v instanceof Nil || v == NO_VALUE_MARK) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    if (v instanceof Collection<?> c) {
      return !c.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }

  /** The elements {@code range} iterates: list elements, or map values in key order. */
  static List<?> elements(Object v, String at) throws InspectTemplate.TemplateException {
    if (v == null || v instanceof Nil || v == NO_VALUE_MARK) {
      return List.of();
    }
    if (v instanceof List<?> l) {
      return l;
    }
    if (v instanceof Map<?, ?> m) {
      return new ArrayList<>(new TreeMap<>(stringKeys(m)).values());
    }
    throw new InspectTemplate.TemplateException("range can't iterate over " + print(v) + " at <" + at + ">");
  }

  static int length(Object v) throws InspectTemplate.TemplateException {
    if (v == null || v instanceof Nil) {
      return 0;
    }
    if (v instanceof Collection<?> c) {
      return c.size();
    }
    if (v instanceof Map<?, ?> m) {
      return m.size();
    }
    if (v instanceof String s) {
      return s.length();
    }
    throw new InspectTemplate.TemplateException("len of type " + typeName(v));
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new TreeMap<>();
    m.forEach((k, e) -> out.put(String.valueOf(k), e));
    return out;
  }

  static String typeName(Object v) {
    if (v instanceof Record) {
      return v.getClass().getSimpleName();
    }
    if (v instanceof List) {
      return "slice";
    }
    if (v instanceof Map) {
      return "map";
    }
    return v == null ? "nil" : v.getClass().getSimpleName().toLowerCase();
  }
}
