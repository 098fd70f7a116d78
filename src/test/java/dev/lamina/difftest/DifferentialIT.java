package dev.lamina.difftest;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The differential suite: every {@link Scenarios scenario} runs on kernel overlayfs (the oracle, as root)
 * and on lamina's FUSE mount over fresh copies of the same {@link Fixture layers}; step outcomes (errno
 * included), the merged tree and the upper dir must match except for {@link IntendedDifferences}.
 * {@code -Ddifftest.targets=lamina,fuse-overlayfs} adds fuse-overlayfs as a second target (harness check);
 * {@code -Ddifftest.only=REGEX} runs only the scenarios whose name matches.
 */
class DifferentialIT {

  private static final Logger log = LoggerFactory.getLogger(DifferentialIT.class);
  private static final KernelOverlay ORACLE = new KernelOverlay();
  private static Path workRoot;
  private static Path template;
  private static List<OverlayTarget> targets;

  @BeforeAll
  static void setUp() throws IOException {
    String reason = ORACLE.unavailableReason();
    assumeTrue(reason == null, () -> "differential suite skipped: " + reason);
    workRoot = Files.createTempDirectory(Path.of("/tmp"), "diff-it-");
    template = workRoot.resolve("template");
    Fixture.build(template);
    targets = new ArrayList<>();
    for (String name : System.getProperty("difftest.targets", "lamina").split(",")) {
      OverlayTarget t = switch (name.strip()) {
        case "lamina" -> FuseOverlay.lamina();
        case "fuse-overlayfs" -> FuseOverlay.fuseOverlayfs();
        case "lamina-inproc" -> new InProcessLamina();
        default -> throw new IllegalArgumentException("unknown difftest target " + name
            + " (known: lamina, lamina-inproc, fuse-overlayfs)");
      };
      String why = t.unavailableReason();
      if (why != null && name.strip().equals("lamina")) {
        // until the launcher can mount, test the same code in-process (core + FUSE adapter)
        log.warn("differential target lamina: {}; using lamina-inproc instead", why);
        t = new InProcessLamina();
        why = t.unavailableReason();
      }
      if (why == null) {
        targets.add(t);
      } else {
        log.warn("differential target {} not run: {}; scenarios only check the kernel", name, why);
      }
    }
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (workRoot != null) {
      Shell.run("rm", "-rf", workRoot.toString());
    }
  }

  @TestFactory
  Stream<DynamicTest> scenarios() {
    String only = System.getProperty("difftest.only", ".*");
    return Scenarios.all().stream().filter(s -> s.name().matches(only))
        .map(s -> DynamicTest.dynamicTest(s.name(), () -> check(s)));
  }

  private void check(Scenario s) throws IOException {
    ScenarioRun.Outcome oracle = ScenarioRun.run(ORACLE, s, template, workRoot);
    List<String> broken = Comparison.brokenClaims(s, oracle.result());
    assertTrue(broken.isEmpty(), () -> "scenario " + s.name() + " does not do what it claims on the "
        + "kernel:\n  " + String.join("\n  ", broken));
    List<String> failures = new ArrayList<>();
    for (OverlayTarget t : targets) {
      ScenarioRun.Outcome got = ScenarioRun.run(t, s, template, workRoot);
      List<Comparison.Difference> diffs =
          Comparison.unexpected(s.name(), oracle.snapshot(), got.snapshot());
      for (String bug : Comparison.openBugs(s.name(), oracle.snapshot(), got.snapshot())) {
        log.warn("{} on {}: {}", s.name(), t.name(), bug);
      }
      if (!diffs.isEmpty()) {
        failures.add(Comparison.report(s.name(), ORACLE.name(), t.name(), diffs));
      }
    }
    if (!failures.isEmpty()) {
      fail(String.join("\n", failures) + "\n(" + s.description() + ")");
    }
  }
}
