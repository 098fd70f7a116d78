package dev.lamina.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one scenario on one target over a fresh copy of the fixture and snapshots the outcome. */
public final class ScenarioRun {

  private static final Logger log = LoggerFactory.getLogger(ScenarioRun.class);

  /** The raw driver result and its flattened snapshot (merged tree while mounted, upper after). */
  public record Outcome(FsDriver.Result result, TreeSnapshot snapshot) {}

  private ScenarioRun() {}

  /** As root (the differential suite). */
  public static Outcome run(OverlayTarget target, Scenario s, Path template, Path workRoot)
      throws IOException {
    return run(target, s, template, workRoot, new RunMode(false), false);
  }

  /** @param keep leave the layers, upper and work dirs under {@code workRoot} (for --keep) */
  public static Outcome run(OverlayTarget target, Scenario s, Path template, Path workRoot, RunMode mode,
      boolean keep) throws IOException {
    Path dir = workRoot.resolve(s.name()).resolve(target.name().replaceAll("[^A-Za-z0-9_.-]", "_"));
    Fixture.Layout l = Fixture.copy(template, dir);
    FsDriver.Result merged;
    long t0 = System.nanoTime();
    List<String> inNamespace = target.driverPrefix(l.lowers(), l.upper(), l.work(), l.mnt(),
        s.mountOptions());
    try {
      if (inNamespace != null) {
        merged = FsDriver.run(inNamespace, l.mnt(), s.steps(), true, null, mode.rootless());
      } else {
        try (OverlayTarget.Mounted m = target.mount(l.lowers(), l.upper(), l.work(), l.mnt(),
            s.mountOptions())) {
          log.debug("{} mounted for {} in {} ms", target.name(), s.name(), (System.nanoTime() - t0) / 1_000_000);
          merged = mode.driver(l.mnt(), s.steps(), true, null);
        }
      }
      // the upper dir is read after unmounting, when the filesystem has nothing left in flight
      FsDriver.Result upper = mode.driver(dir, List.of(), false, l.upper());
      FsDriver.Result all = new FsDriver.Result(merged.steps(), merged.tree(), upper.upper());
      JsonNode reread = reread(l, dir.resolve("reread"), mode, s.mountOptions());
      return new Outcome(all, TreeSnapshot.of(s.steps(), all, reread));
    } finally {
      if (!keep) {
        Shell.run("rm", "-rf", dir.toString());
      }
    }
  }

  /**
   * Mounts the upper dir as the top lower layer of a read-only kernel overlay and snapshots it: the same
   * reader for every target, so a target's whiteouts and opaque markers must mean to the kernel what the
   * kernel's own mean. A mount the kernel refuses becomes a one-entry tree that fails the comparison.
   */
  private static JsonNode reread(Fixture.Layout l, Path mnt, RunMode mode, String options) throws IOException {
    Files.createDirectories(mnt);
    List<Path> layers = new ArrayList<>(List.of(l.upper()));
    layers.addAll(l.lowers());
    try {
      if (mode.rootless()) {
        return FsDriver.run(RunMode.inMountNamespace(KernelOverlay.readOnlyOptions(layers, mode), mnt), mnt,
            List.of(), true, null, true).tree();
      }
      try (OverlayTarget.Mounted m = KernelOverlay.mountReadOnly(layers, mnt, options)) {
        return FsDriver.run(mnt, List.of(), true, null).tree();
      }
    } catch (IOException e) {
      ObjectNode failed = FsDriver.JSON.createObjectNode();
      String[] lines = String.valueOf(e.getMessage()).strip().split("\n");
      // the first line says what failed, the last one why (python's exception line)
      failed.putObject("/").put("type", "unmountable").put("error",
          lines[0] + (lines.length > 1 ? " ... " + lines[lines.length - 1] : ""));
      return failed;
    }
  }
}
