package dev.lamina.difftest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one scenario on one target over a fresh copy of the fixture and snapshots the outcome. */
final class ScenarioRun {

  private static final Logger log = LoggerFactory.getLogger(ScenarioRun.class);

  /** The raw driver result and its flattened snapshot (merged tree while mounted, upper after). */
  record Outcome(FsDriver.Result result, TreeSnapshot snapshot) {}

  private ScenarioRun() {}

  static Outcome run(OverlayTarget target, Scenario s, Path template, Path workRoot)
      throws IOException {
    Path dir = workRoot.resolve(s.name()).resolve(target.name());
    Fixture.Layout l = Fixture.copy(template, dir);
    FsDriver.Result merged;
    long t0 = System.nanoTime();
    try (OverlayTarget.Mounted m = target.mount(l.lowers(), l.upper(), l.work(), l.mnt())) {
      log.debug("{} mounted for {} in {} ms", target.name(), s.name(), (System.nanoTime() - t0) / 1_000_000);
      merged = FsDriver.run(l.mnt(), s.steps(), true, null);
    }
    // the upper dir is read after unmounting, when the filesystem has nothing left in flight
    FsDriver.Result upper = FsDriver.run(dir, List.of(), false, l.upper());
    FsDriver.Result all = new FsDriver.Result(merged.steps(), merged.tree(), upper.upper());
    Shell.run("rm", "-rf", dir.toString());
    return new Outcome(all, TreeSnapshot.of(s.steps(), all));
  }
}
