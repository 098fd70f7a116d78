package dev.lamina.layer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The layer extractions in progress in this JVM, so that an interrupted command (Ctrl-C runs the shutdown hooks
 * while the extracting thread keeps going) can stop them and remove their partial dirs on the way out. What a
 * kill -9 leaves in {@code tmp/} is still for {@code lamina prune}.
 */
public final class ActiveExtractions {
  private static final Logger LOG = LoggerFactory.getLogger(ActiveExtractions.class);

  /** One extraction: its layer, its dir under tmp/, its thread, and a latch its thread opens once it is cleaned up. */
  record Active(String diffId, Path tmp, Thread thread, CountDownLatch ended) {}

  private static final Set<Active> ACTIVE = ConcurrentHashMap.newKeySet();

  private ActiveExtractions() {}

  static Active start(String diffId, Path tmp) {
    Active a = new Active(diffId, tmp, Thread.currentThread(), new CountDownLatch(1));
    ACTIVE.add(a);
    return a;
  }

  /** Called by the extracting thread after it committed the layer or removed its partial dir. */
  static void end(Active a) {
    ACTIVE.remove(a);
    a.ended.countDown();
  }

  /**
   * Interrupts every extraction in progress and waits for each thread to remove its partial dir; a thread that
   * does not get there within {@code wait} has its dir removed here.
   *
   * @return the diff ids of the layers whose extraction was stopped
   */
  public static List<String> interruptAll(Duration wait) {
    List<Active> all = new ArrayList<>(ACTIVE);
    List<String> stopped = new ArrayList<>();
    for (Active a : all) {
      a.thread.interrupt();
    }
    long deadline = System.nanoTime() + wait.toNanos();
    for (Active a : all) {
      stopped.add(a.diffId);
      try {
        if (a.ended.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          continue;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        Trees.deleteRecursively(a.tmp);
      } catch (IOException e) {
        LOG.warn("could not remove the partial layer {}: {} (lamina prune removes it)", a.tmp, e.toString());
      }
    }
    return stopped;
  }
}
