package dev.lamina.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code lamina} command: registers the subcommands and runs picocli. */
@Command(
    name = "lamina",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Userspace overlay filesystem for container images.",
    subcommands = {
      CommandLine.HelpCommand.class,
      LoadCommand.class,
      ImagesCommand.class,
      RmiCommand.class,
      PruneCommand.class,
      PsCommand.class,
      RmCommand.class,
      LayersCommand.class,
      ExploreCommand.class,
      DiffCommand.class,
      RunCommand.class,
      InspectCommand.class,
      MountCommand.class,
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (used by tests without exiting the JVM). */
  public static int run(String... args) {
    return new CommandLine(new Main()).setExecutionExceptionHandler(new ErrorHandler()).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }
}
