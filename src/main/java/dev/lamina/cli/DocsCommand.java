package dev.lamina.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lamina generate-docs} (hidden; scripts/install runs it): writes the bash completion script (picocli's
 * AutoComplete; zsh loads it through bashcompinit) and a man page per command, all from the command model.
 */
@Command(
    name = "generate-docs",
    hidden = true,
    description = "Write shell completion and man pages generated from the command line's definition.")
final class DocsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--bash", paramLabel = "FILE", description = "Write the bash completion script to FILE.")
  Path bash;

  @Option(names = "--zsh", paramLabel = "FILE",
      description = "Write a zsh completion function (_lamina) that loads the bash script FROM through bashcompinit.")
  Path zsh;

  @Option(names = "--zsh-source", paramLabel = "FROM", description = "Where the bash script is installed (for --zsh).")
  String zshSource;

  @Option(names = "--man", paramLabel = "DIR", description = "Write one man page per command into DIR.")
  Path man;

  @Override
  public Integer call() throws IOException {
    CommandLine top = spec.root().commandLine();
    if (bash != null) {
      Files.writeString(bash, AutoComplete.bash("lamina", top), StandardCharsets.UTF_8);
    }
    if (zsh != null) {
      String from = zshSource != null ? zshSource : "/usr/local/share/bash-completion/completions/lamina";
      Files.writeString(zsh, "#compdef lamina\n# lamina's completion: the bash script, loaded through bashcompinit\n"
          + "autoload -U +X bashcompinit && bashcompinit\nsource '" + from.replace("'", "'\\''") + "'\n",
          StandardCharsets.UTF_8);
    }
    if (man != null) {
      Files.createDirectories(man);
      String version = new VersionProvider().getVersion()[0];
      Deque<CommandSpec> todo = new ArrayDeque<>();
      todo.add(spec.root());
      while (!todo.isEmpty()) {
        CommandSpec s = todo.poll();
        if (s.usageMessage().hidden() || s.userObject() instanceof CommandLine.HelpCommand) {
          continue;
        }
        Files.writeString(man.resolve(ManPages.fileName(s)), ManPages.render(s, version), StandardCharsets.UTF_8);
        s.subcommands().values().stream().map(CommandLine::getCommandSpec).distinct().forEach(todo::add);
      }
    }
    return 0;
  }
}
