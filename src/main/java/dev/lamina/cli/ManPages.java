package dev.lamina.cli;

import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Renders a command's help as a man page (roff, man(7) macros): NAME, SYNOPSIS, DESCRIPTION, ARGUMENTS,
 * OPTIONS and SEE ALSO, from the same picocli model as {@code --help}, so the two never disagree.
 */
final class ManPages {
  private ManPages() {}

  /** The page's file name: {@code lamina.1}, {@code lamina-run.1}. */
  static String fileName(CommandSpec spec) {
    return pageName(spec) + ".1";
  }

  static String pageName(CommandSpec spec) {
    return spec.qualifiedName("-");
  }

  static String render(CommandSpec spec, String version) {
    StringBuilder m = new StringBuilder();
    String name = pageName(spec);
    m.append(".TH \"").append(name.toUpperCase(java.util.Locale.ROOT)).append("\" 1 \"\" \"")
        .append(escape(version)).append("\" \"lamina manual\"\n");
    m.append(".SH NAME\n").append(escape(name)).append(" \\- ")
        .append(escape(firstSentence(String.join(" ", spec.usageMessage().description())))).append('\n');
    m.append(".SH SYNOPSIS\n.nf\n")
        .append(escape(spec.commandLine().getHelp().synopsis(0).strip())).append("\n.fi\n");
    m.append(".SH DESCRIPTION\n");
    for (String para : spec.usageMessage().description()) {
      m.append(".PP\n").append(escape(para)).append('\n');
    }
    List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
    if (!params.isEmpty()) {
      m.append(".SH ARGUMENTS\n");
      for (PositionalParamSpec p : params) {
        m.append(".TP\n\\fI").append(escape(p.paramLabel())).append("\\fR\n").append(describe(p)).append('\n');
      }
    }
    List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
    if (!options.isEmpty()) {
      m.append(".SH OPTIONS\n");
      for (OptionSpec o : options) {
        m.append(".TP\n")
            .append(o.names().length == 0 ? "" : java.util.Arrays.stream(o.names())
                .map(n -> "\\fB" + escape(n) + "\\fR").collect(Collectors.joining(", ")));
        if (o.arity().max() > 0) {
          m.append(" \\fI").append(escape(o.paramLabel())).append("\\fR");
        }
        m.append('\n').append(describe(o)).append('\n');
      }
    }
    List<String> subs = spec.subcommands().values().stream()
        .map(CommandLine::getCommandSpec)
        .filter(s -> !s.usageMessage().hidden() && !(s.userObject() instanceof CommandLine.HelpCommand))
        .map(s -> "\\fB" + escape(pageName(s)) + "\\fR(1)")
        .distinct()
        .toList();
    if (!subs.isEmpty()) {
      m.append(".SH COMMANDS\n").append(String.join(", ", subs)).append('\n');
    }
    if (spec.parent() != null) {
      m.append(".SH SEE ALSO\n\\fB").append(escape(pageName(spec.root()))).append("\\fR(1)\n");
    }
    return m.toString();
  }

  private static String describe(ArgSpec a) {
    return escape(String.join(" ", a.description()));
  }

  private static String firstSentence(String text) {
    int dot = text.indexOf(". ");
    String s = dot < 0 ? text : text.substring(0, dot + 1);
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  /** Escapes text for roff: backslashes, hyphens, and a leading dot or quote that would start a request. */
  static String escape(String text) {
    String t = text.replace("\\", "\\e").replace("-", "\\-");
    StringBuilder out = new StringBuilder();
    for (String line : t.split("\n", -1)) {
      if (out.length() > 0) {
        out.append('\n');
      }
      if (line.startsWith(".") || line.startsWith("'")) {
        out.append("\\&");
      }
      out.append(line);
    }
    return out.toString();
  }
}
