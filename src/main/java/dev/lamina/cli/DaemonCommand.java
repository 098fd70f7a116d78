package dev.lamina.cli;

import dev.lamina.daemon.DaemonClient;
import dev.lamina.daemon.DaemonPaths;
import dev.lamina.daemon.DaemonServer;
import dev.lamina.daemon.PassedMount;
import dev.lamina.daemon.ServedMounts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lamina daemon status|stop|run}: the user's shared mount daemon. */
@Command(
    name = "daemon",
    description = {
      "The shared mount daemon: one process per user serves every background `lamina mount` (unless -o daemon=private or"
          + " LAMINA_DAEMON=private) and the root of every `lamina run` (unless --daemon=private). It starts on first"
          + " use and exits when it has served no mount for LAMINA_DAEMON_IDLE seconds (30)."
    },
    subcommands = {DaemonCommand.Status.class, DaemonCommand.Stop.class, DaemonCommand.Run.class})
public final class DaemonCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  /** Prints a reply's text and returns its code. */
  private static int relay(DaemonServer.Reply r, boolean toOut) {
    (toOut ? System.out : System.err).print(r.err());
    (toOut ? System.out : System.err).flush();
    return r.code();
  }

  @Command(name = "status", description = "Show the daemon's pid, memory, request counts and the mounts it serves.")
  static final class Status implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      DaemonServer.Reply r = DaemonClient.status();
      if (r == null) {
        System.out.println("no lamina daemon runs for this user (" + DaemonPaths.forCurrentUser().dir() + ")");
        return 3;
      }
      return relay(r, r.code() == 0);
    }
  }

  @Command(name = "stop", description = {"Unmount every mount the daemon serves and stop it; returns once it has"
      + " exited.", "Mounts passed from other mount namespaces cannot be unmounted from here: they answer ENOTCONN"
      + " from then on, and stop names them, to be unmounted in their namespace."})
  static final class Stop implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      DaemonServer.Reply r = DaemonClient.stop();
      if (r == null) {
        System.err.println("lamina: no daemon runs for this user (" + DaemonPaths.forCurrentUser().dir() + ")");
        return 0;
      }
      return relay(r, false);
    }
  }

  @Command(name = "run", hidden = true, description = "Run the daemon in the foreground (clients start it).")
  static final class Run implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      // The daemon's log (daemon.log) tells each mount and unmount: INFO unless LAMINA_LOG or --log-level chose.
      if (Main.logLevel() == null && System.getenv("LAMINA_LOG") == null
          && org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
              instanceof ch.qos.logback.classic.Logger root) {
        root.setLevel(ch.qos.logback.classic.Level.INFO);
      }
      DaemonServer.MountHandler handler = new DaemonServer.MountHandler() {
        @Override
        public DaemonServer.Reply mount(List<String> args, Path cwd, ServedMounts mounts) {
          return Run.mount(MountCommand.served(mounts, cwd), args);
        }

        @Override
        public DaemonServer.Reply mountPassed(List<String> args, Path cwd, ServedMounts mounts, PassedMount passed) {
          try {
            return Run.mount(MountCommand.passed(mounts, cwd, passed), args);
          } finally {
            passed.closeUnlessServed();
          }
        }
      };
      return new DaemonServer(DaemonPaths.forCurrentUser(), handler, DaemonServer.idleFromEnv()).run();
    }

    /** Runs {@code lamina mount ARGS} in this JVM, its messages captured for the client. */
    static DaemonServer.Reply mount(MountCommand command, List<String> args) {
      StringWriter err = new StringWriter();
      CommandLine cl = new CommandLine(command)
          .setExecutionExceptionHandler(new ErrorHandler());
      cl.setErr(new PrintWriter(err, true));
      cl.setOut(new PrintWriter(err, true));
      int code = cl.execute(args.toArray(String[]::new));
      return new DaemonServer.Reply(code, err.toString());
    }
  }
}
