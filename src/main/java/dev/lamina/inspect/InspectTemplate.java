package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.List;

/**
 * The subset of Go's text/template that {@code docker inspect --format} users write: field paths
 * ({@code {{.Config.Cmd}}}, map keys {@code {{.Config.Labels.foo}}}), pipes, {@code range}/{@code if}/{@code with}
 * with {@code else} and {@code end}, trim markers {@code {{- -}}}, and docker's functions {@code json}, {@code index},
 * {@code join}, {@code len}, {@code lower}, {@code upper}, {@code title}, {@code split}, {@code print},
 * {@code println}, {@code printf}, {@code eq}, {@code ne}, {@code not}, {@code and}, {@code or}. Values print as Go
 * prints them (see {@link InspectValues}). Variables ({@code $x}) are not supported and are reported as such.
 */
public final class InspectTemplate {

  /** A template that does not parse or cannot be applied; the message says where. */
  public static final class TemplateException extends Exception {
    public TemplateException(String message) {
      super(message);
    }
  }

  sealed interface Node permits Text, Action, Block {}

  record Text(String text) implements Node {}

  record Action(List<List<Operand>> pipeline, String source) implements Node {}

  /** range / if / with. */
  record Block(String kind, List<List<Operand>> pipeline, List<Node> body, List<Node> orElse, String source)
      implements Node {}

  sealed interface Operand permits Field, Literal, Ident, Sub, Chain {}

  /** {@code (pipeline).Field.Path}. */
  record Chain(Operand base, Field field) implements Operand {}

  record Field(List<String> path, String source) implements Operand {}

  record Literal(Object value) implements Operand {}

  record Ident(String name) implements Operand {}

  record Sub(List<List<Operand>> pipeline, String source) implements Operand {}

  private final List<Node> nodes;

  private InspectTemplate(List<Node> nodes) {
    this.nodes = nodes;
  }

  /** Parses a template; throws TemplateException naming the offending action. */
  public static InspectTemplate parse(String text) throws TemplateException {
    InspectTemplateParser p = new InspectTemplateParser(text);
    List<Node> nodes = p.parseNodes(false);
    return new InspectTemplate(nodes);
  }

  /**
   * Whether applying the template may read the field {@code name} (anywhere in a path, or through a bare
   * {@code .} that hands a whole value to a function): lets callers skip computing costly fields such as Size.
   */
  public boolean mayUse(String name) {
    return mayUse(nodes, name);
  }

  private static boolean mayUse(List<Node> list, String name) {
    for (Node n : list) {
      if (n instanceof Action a && mayUsePipe(a.pipeline(), name)) {
        return true;
      }
      if (n instanceof Block b
          && (mayUsePipe(b.pipeline(), name) || mayUse(b.body(), name) || mayUse(b.orElse(), name))) {
        return true;
      }
    }
    return false;
  }

  private static boolean mayUsePipe(List<List<Operand>> pipe, String name) {
    for (List<Operand> cmd : pipe) {
      for (Operand o : cmd) {
        if (o instanceof Field f && (f.path().isEmpty() || f.path().contains(name))) {
          return true;
        }
        if (o instanceof Sub sub && mayUsePipe(sub.pipeline(), name)) {
          return true;
        }
        if (o instanceof Chain c && (c.field().path().contains(name)
            || (c.base() instanceof Sub sub && mayUsePipe(sub.pipeline(), name)))) {
          return true;
        }
      }
    }
    return false;
  }

  /** Applies the template to a value (the {@link DockerInspect} record). */
  public String execute(Object dot) throws TemplateException {
    StringBuilder out = new StringBuilder();
    run(nodes, dot, out);
    return out.toString();
  }

  private void run(List<Node> list, Object dot, StringBuilder out) throws TemplateException {
    for (Node n : list) {
      if (n instanceof Text t) {
        out.append(t.text());
      } else if (n instanceof Action a) {
        out.append(InspectValues.print(pipeline(a.pipeline(), dot, a.source())));
      } else if (n instanceof Block b) {
        Object v = pipeline(b.pipeline(), dot, b.source());
        switch (b.kind()) {
          case "if" -> run(InspectValues.truthy(v) ? b.body() : b.orElse(), dot, out);
          case "with" -> run(InspectValues.truthy(v) ? b.body() : b.orElse(), InspectValues.truthy(v) ? v : dot, out);
          default -> {
            List<?> elems = InspectValues.elements(v, b.source());
            if (elems.isEmpty()) {
              run(b.orElse(), dot, out);
            }
            for (Object e : elems) {
              run(b.body(), e, out);
            }
          }
        }
      }
    }
  }

  private Object pipeline(List<List<Operand>> pipe, Object dot, String src) throws TemplateException {
    Object prev = null;
    boolean first = true;
    for (List<Operand> cmd : pipe) {
      prev = command(cmd, dot, first ? null : new Object[] {prev}, src);
      first = false;
    }
    return prev;
  }

  private Object command(List<Operand> cmd, Object dot, Object[] piped, String src) throws TemplateException {
    Operand head = cmd.get(0);
    if (head instanceof Ident id) {
      List<Object> args = new ArrayList<>();
      for (Operand o : cmd.subList(1, cmd.size())) {
        args.add(value(o, dot, src));
      }
      if (piped != null) {
        args.add(piped[0]);
      }
      return InspectFunctions.call(id.name(), args, src);
    }
    if (cmd.size() > 1 || piped != null) {
      throw new TemplateException("in {{" + src + "}}: can't give argument to non-function " + describe(head));
    }
    return value(head, dot, src);
  }

  private Object value(Operand o, Object dot, String src) throws TemplateException {
    if (o instanceof Literal l) {
      return l.value();
    }
    if (o instanceof Sub s) {
      return pipeline(s.pipeline(), dot, s.source());
    }
    if (o instanceof Ident id) {
      return InspectFunctions.call(id.name(), List.of(), src);
    }
    if (o instanceof Chain c) {
      return value(c.field(), value(c.base(), dot, src), src);
    }
    Field f = (Field) o;
    Object v = dot;
    for (String name : f.path()) {
      v = InspectValues.field(v, name, f.source());
    }
    return v;
  }

  private static String describe(Operand o) {
    return o instanceof Field f ? f.source() : o instanceof Literal l ? String.valueOf(l.value()) : o.toString();
  }
}
