package dev.lamina.cli;

import ch.qos.logback.classic.Level;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Entry point of the {@code lamina} command: registers the subcommands, the global options, and runs picocli. */
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
      DaemonCommand.class,
      DocsCommand.class,
      ConformanceCommand.class,
    })
public final class Main implements Runnable {
  private static volatile String logLevel;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** {@code lamina --root DIR images}: the store for every subcommand that does not give its own --root. */
  @Option(
      names = "--root",
      paramLabel = "DIR",
      description = "The store directory for the subcommand (as podman's and docker's global option; a --root"
          + " after the subcommand wins).")
  Path root;

  /** Sets the level of the root logger; inherited, so it may come before or after the subcommand. */
  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      scope = ScopeType.INHERIT,
      description = "Log level: error, warn (the default), info, debug or trace; the environment variable"
          + " LAMINA_LOG sets it too.")
  void setLogLevel(String level) {
    String l = level.toLowerCase(Locale.ROOT);
    if (!l.matches("error|warn|info|debug|trace|off")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "Invalid value for option '--log-level': '" + level + "' (expected error, warn, info, debug or trace)");
    }
    logLevel = l;
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(Level.toLevel(l));
    }
  }

  /** The level given with --log-level, or null (a mount's daemon JVM gets it passed on). */
  static String logLevel() {
    return logLevel;
  }

  public static void main(String[] args) {
    useUtf8Output();
    System.exit(run(args));
  }

  /**
   * Writes stdout and stderr as UTF-8 whatever the locale, as docker, podman and dive (Go programs) do: under the
   * C/POSIX locale Java 17 encodes them as ASCII, which turned the layer tree's box-drawing characters and every
   * non-ASCII name into '?'. Names that are not valid UTF-8 are escaped ({@code \xNN}) before they are printed.
   */
  private static void useUtf8Output() {
    System.setOut(utf8(FileDescriptor.out));
    System.setErr(utf8(FileDescriptor.err));
  }

  private static PrintStream utf8(FileDescriptor fd) {
    return new PrintStream(new BufferedOutputStream(new FileOutputStream(fd), 8192), true, StandardCharsets.UTF_8);
  }

  /** Runs the command line and returns the exit code (used by tests without exiting the JVM). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line (also for generating completion and man pages). */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main()).setExecutionExceptionHandler(new ErrorHandler());
    HelpTexts.complete(cl);
    // picocli's own writers follow the locale's charset, not System.out's: UTF-8 too (see useUtf8Output)
    cl.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }
}
