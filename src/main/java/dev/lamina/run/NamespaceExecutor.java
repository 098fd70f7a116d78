package dev.lamina.run;

import dev.lamina.run.NamespaceCommand.ResolvedBind;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs a {@link RunPlan} through the helper tree of {@link NamespaceCommand}: stdout and stderr are inherited,
 * and stdin too with {@code -i} (a terminal stays the command's terminal), SIGTERM, SIGINT and SIGHUP sent to lamina are forwarded to
 * the container's init, and the exit code is the command's (128+N when a signal N ended it).
 */
public final class NamespaceExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(NamespaceExecutor.class);
  private static final List<String> FORWARDED = List.of("TERM", "INT", "HUP");
  /** After this many forwarded signals the container is killed outright. */
  private static final int KILL_AFTER = 3;

  private final HostTools tools;

  public NamespaceExecutor(HostTools tools) {
    this.tools = tools;
  }

  /** Prepares the root, runs the plan, and returns the exit code; nothing of the container is left running. */
  public int run(RunPlan plan) throws RunException {
    List<ResolvedBind> binds = RootfsPreparer.prepare(plan);
    if (!plan.idMapping().isHostIdentity()) {
      return run(plan, NamespaceCommand.argv(plan, tools, binds), null);
    }
    try (HostIdentityMap map = HostIdentityMap.prepare()) {
      return run(plan, NamespaceCommand.argv(plan, tools, binds, map.fifo()), map);
    }
  }

  private int run(RunPlan plan, List<String> argv, HostIdentityMap map) throws RunException {
    LOG.debug("run: {}", plan);
    // started from the calling thread on purpose: setpriv --pdeathsig fires when the thread that forked dies
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
      if (!plan.interactive()) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      }
      p = pb.start();
    } catch (IOException e) {
      throw new RunException("cannot start " + tools.unshare() + ": " + e.getMessage(), e);
    }
    if (map != null) {
      try {
        map.writeFor(p);
      } catch (RunException e) {
        killTree(p);
        throw e;
      }
    }
    Thread killer = new Thread(() -> killTree(p), "lamina-run-cleanup");
    Runtime.getRuntime().addShutdownHook(killer);
    AtomicInteger forwarded = new AtomicInteger();
    List<Signal> signals = FORWARDED.stream().map(Signal::new).toList();
    List<SignalHandler> previous =
        signals.stream().map(s -> Signal.handle(s, sig -> forward(p, sig, forwarded))).toList();
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killTree(p);
      throw new RunException("interrupted while waiting for the container", e);
    } finally {
      for (int i = 0; i < signals.size(); i++) {
        Signal.handle(signals.get(i), previous.get(i));
      }
      try {
        Runtime.getRuntime().removeShutdownHook(killer);
      } catch (IllegalStateException e) {
        // already shutting down: the hook runs anyway
      }
    }
  }

  /** Sends the signal to the container's init (the child of unshare), which passes it on to the command. */
  private void forward(Process p, Signal sig, AtomicInteger forwarded) {
    if (forwarded.incrementAndGet() >= KILL_AFTER) {
      LOG.warn("signalled {} times: killing the container", forwarded.get());
      killTree(p);
      return;
    }
    p.toHandle()
        .children()
        .forEach(
            init -> {
              try {
                new ProcessBuilder("kill", "-s", sig.getName(), Long.toString(init.pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor(5, TimeUnit.SECONDS);
              } catch (IOException e) {
                LOG.warn("cannot forward SIG{} to the container's init {}: {}", sig.getName(), init.pid(), e.toString());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  /** SIGKILL to unshare: its --kill-child kills init, and the kernel then kills the whole pid namespace. */
  private static void killTree(Process p) {
    if (p.isAlive()) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
