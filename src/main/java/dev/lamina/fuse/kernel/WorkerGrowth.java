package dev.lamina.fuse.kernel;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread of the process that starts more workers for sessions whose workers have all been busy for a
 * while: a shared daemon serving fifty mounts keeps one such thread, not fifty (each parked thread holds its stack
 * and its JVM thread state). Started on first need; sleeps while no session is saturated.
 */
final class WorkerGrowth {
  private static final Set<Session> SATURATED = ConcurrentHashMap.newKeySet();
  private static volatile Thread thread;

  private WorkerGrowth() {}

  /** s has had no idle worker since {@link Session#allBusySince()}: check it once that has lasted long enough. */
  static void saturated(Session s) {
    SATURATED.add(s);
    Thread t = thread;
    if (t == null) {
      t = start();
    }
    LockSupport.unpark(t);
  }

  private static synchronized Thread start() {
    Thread t = thread;
    if (t == null) {
      t = new Thread(WorkerGrowth::run, "lamina-fuse-grow");
      t.setDaemon(true);
      thread = t;
      t.start();
    }
    return t;
  }

  /** Whether the growth thread is running (for tests: at most one per process, whatever the sessions). */
  static boolean running() {
    Thread t = thread;
    return t != null && t.isAlive();
  }

  private static void run() {
    while (true) {
      long next = Long.MAX_VALUE;
      long now = System.nanoTime();
      for (Session s : SATURATED) {
        long wait = s.growIfSaturated(now);
        if (wait < 0) {
          SATURATED.remove(s); // ended, or at its most workers
        } else if (wait == 0) {
          SATURATED.remove(s);
          // it may have become saturated again meanwhile: check once more rather than miss it
          if (s.allBusySince() != 0) {
            SATURATED.add(s);
            next = Math.min(next, Session.SATURATED_NANOS);
          }
        } else {
          next = Math.min(next, wait);
        }
      }
      if (next == Long.MAX_VALUE) {
        LockSupport.park(WorkerGrowth.class);
      } else {
        LockSupport.parkNanos(WorkerGrowth.class, next);
      }
    }
  }
}
