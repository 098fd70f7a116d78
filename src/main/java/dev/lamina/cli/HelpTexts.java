package dev.lamina.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Makes every command's help whole: description lines that continue a sentence are joined into one paragraph
 * (picocli prints each array element on its own line, and the command list shows only the first), and every
 * command answers {@code --help} (also {@code -h} where that name is free).
 */
final class HelpTexts {
  private HelpTexts() {}

  static void complete(CommandLine cl) {
    CommandSpec spec = cl.getCommandSpec();
    spec.usageMessage().description(paragraphs(spec.usageMessage().description()));
    if (spec.options().stream().noneMatch(OptionSpec::usageHelp)) {
      String[] names = spec.findOption("-h") == null ? new String[] {"-h", "--help"} : new String[] {"--help"};
      spec.addOption(OptionSpec.builder(names).usageHelp(true).description("Show this help message and exit.")
          .build());
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getParent() == cl) {
        complete(sub);
      }
    }
  }

  /** Joins lines until one ends a sentence ({@code . ! ? :}), so no paragraph is cut mid-sentence. */
  static String[] paragraphs(String[] lines) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : lines) {
      if (cur.length() > 0) {
        cur.append(' ');
      }
      cur.append(line.strip());
      if (cur.toString().matches("(?s).*[.!?:]$")) {
        out.add(cur.toString());
        cur.setLength(0);
      }
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out.toArray(String[]::new);
  }
}
