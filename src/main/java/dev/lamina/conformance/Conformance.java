package dev.lamina.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine: runs each scenario on the reference and on every target over fresh copies of the same layers,
 * and compares each target's outcome (step results with errno, merged tree, upper dir, upper dir re-read by
 * the kernel as a lower layer) with the reference's, fact by fact, minus the {@link IntendedDifferences}.
 * Used by {@code lamina conformance} and by the differential suite (DifferentialIT).
 */
public final class Conformance {

  private static final Logger log = LoggerFactory.getLogger(Conformance.class);

  /** What one target did with one scenario, compared with the reference. */
  public enum Status {
    SAME("same"), DIFFERS("differs"), FAILED("failed");

    public final String word;

    Status(String word) {
      this.word = word;
    }
  }

  /** One cell of the matrix. {@code error} says why a FAILED cell failed. */
  public record Cell(String target, Status status, List<Comparison.Difference> differences,
      List<String> openBugs, String error) {}

  /**
   * One row: the scenario, the steps whose reference outcome is not what the scenario claims (the scenario
   * is wrong, or the reference behaves unlike the kernel it was written for), and a cell per target.
   */
  public record Row(ScenarioLibrary.Entry entry, String referenceError, List<String> brokenClaims,
      List<Cell> cells) {
    public boolean allSame() {
      return referenceError == null && brokenClaims.isEmpty()
          && cells.stream().allMatch(c -> c.status() == Status.SAME);
    }
  }

  private final OverlayTarget reference;
  private final List<OverlayTarget> targets;
  private final RunMode mode;
  private final Path workRoot;
  private final boolean keep;
  private final Map<List<ScenarioFormat.Layer>, Path> templates = new IdentityHashMap<>();
  private final List<String> notes = new ArrayList<>();

  /**
   * @param workRoot a private directory for layers, upper and work dirs and mount points
   * @param keep leave every scenario's directories there afterwards
   */
  public Conformance(OverlayTarget reference, List<OverlayTarget> targets, RunMode mode, Path workRoot,
      boolean keep) {
    this.reference = reference;
    this.targets = List.copyOf(targets);
    this.mode = mode;
    this.workRoot = workRoot;
    this.keep = keep;
  }

  public OverlayTarget reference() {
    return reference;
  }

  public List<OverlayTarget> targets() {
    return targets;
  }

  public RunMode mode() {
    return mode;
  }

  /** What the run had to leave out (rootless: layer chown steps), for the report. */
  public synchronized List<String> notes() {
    return List.copyOf(notes);
  }

  /** Runs one scenario on the reference and on every target. */
  public Row run(ScenarioLibrary.Entry e) throws IOException {
    Path template = template(e.layers());
    Scenario s = e.scenario();
    ScenarioRun.Outcome ref;
    try {
      ref = ScenarioRun.run(reference, s, template, workRoot, mode, keep);
    } catch (IOException ex) {
      log.debug("reference failed on {}", s.name(), ex);
      List<Cell> cells = targets.stream().map(t -> new Cell(t.name(), Status.FAILED, List.<Comparison.Difference>of(),
          List.<String>of(), "not compared: the reference failed")).toList();
      return new Row(e, oneLine(ex), List.of(), cells);
    }
    List<String> broken = Comparison.brokenClaims(s, ref.result());
    List<Cell> cells = new ArrayList<>();
    for (OverlayTarget t : targets) {
      try {
        ScenarioRun.Outcome got = ScenarioRun.run(t, s, template, workRoot, mode, keep);
        List<Comparison.Difference> diffs = Comparison.unexpected(s.name(), ref.snapshot(), got.snapshot());
        List<String> bugs = Comparison.openBugs(s.name(), ref.snapshot(), got.snapshot());
        cells.add(new Cell(t.name(), diffs.isEmpty() ? Status.SAME : Status.DIFFERS, diffs, bugs, null));
      } catch (IOException ex) {
        log.debug("{} failed on {}", t.name(), s.name(), ex);
        cells.add(new Cell(t.name(), Status.FAILED, List.of(), List.of(), oneLine(ex)));
      }
    }
    return new Row(e, null, broken, cells);
  }

  /** The layers built once per run (per distinct layer list), under the work root. */
  private synchronized Path template(List<ScenarioFormat.Layer> layers) throws IOException {
    Path t = templates.get(layers);
    if (t == null) {
      t = workRoot.resolve("layers-" + templates.size());
      Files.createDirectories(t);
      for (String skipped : Fixture.build(t, layers, mode)) {
        notes.add("left out of the layers: " + skipped);
      }
      templates.put(layers, t);
    }
    return t;
  }

  private static String oneLine(Exception e) {
    String[] lines = String.valueOf(e.getMessage()).strip().split("\n");
    return lines[0] + (lines.length > 1 ? " ... " + lines[lines.length - 1].strip() : "");
  }
}
