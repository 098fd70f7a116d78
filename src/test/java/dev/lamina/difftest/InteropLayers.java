package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.conformance.Comparison;
import dev.lamina.conformance.Fixture;
import dev.lamina.conformance.FsDriver;
import dev.lamina.conformance.FuseOverlay;
import dev.lamina.conformance.KernelOverlay;
import dev.lamina.conformance.OverlayTarget;
import dev.lamina.conformance.RunMode;
import dev.lamina.conformance.ScenarioLibrary;
import dev.lamina.conformance.Shell;
import dev.lamina.conformance.Step;
import dev.lamina.conformance.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Kernel overlayfs and lamina over copies of the conformance fixture, for the tests that hand the layers one
 * implementation wrote to the other (redirects, metadata-only copies, origins): skips with the reason where either
 * cannot mount, builds the fixture once in a private temp dir, and compares what both show.
 */
final class InteropLayers implements AutoCloseable {
  static final KernelOverlay KERNEL = new KernelOverlay();
  final OverlayTarget lamina;
  final Path workRoot;
  final Path template;

  private InteropLayers(OverlayTarget lamina, Path workRoot) {
    this.lamina = lamina;
    this.workRoot = workRoot;
    this.template = workRoot.resolve("template");
  }

  /** The pair for the test named what (in skip messages), or a JUnit skip where either cannot mount. */
  static InteropLayers open(String what, String tempPrefix) throws IOException {
    String reason = KERNEL.unavailableReason();
    assumeTrue(reason == null, () -> what + " skipped: " + reason);
    OverlayTarget lamina = FuseOverlay.lamina();
    String why = lamina.unavailableReason();
    assumeTrue(why == null, () -> what + " skipped: lamina cannot mount: " + why);
    InteropLayers l = new InteropLayers(lamina, Files.createTempDirectory(Path.of("/tmp"), tempPrefix));
    Fixture.build(l.template, ScenarioLibrary.fixture(), new RunMode(false));
    return l;
  }

  /** A fresh copy of the fixture's layers under the work root. */
  Fixture.Layout copy(String name) throws IOException {
    return Fixture.copy(template, workRoot.resolve(name));
  }

  /** Mounts t over l with the features, runs the steps, unmounts. */
  static FsDriver.Result run(OverlayTarget t, Fixture.Layout l, String features, List<Step> steps)
      throws IOException {
    try (OverlayTarget.Mounted m = t.mount(l.lowers(), l.upper(), l.work(), l.mnt(), features)) {
      return FsDriver.run(l.mnt(), steps, true, null);
    }
  }

  /** What kernel and lamina show over the same layers with these features, step outcomes included. */
  void assertSameView(String name, Fixture.Layout l, String features, List<Step> steps) throws IOException {
    assertSameView(name, l, l, features, steps);
  }

  /** As above, the kernel over forKernel and lamina over forLamina (copies of one layout, for steps that write). */
  void assertSameView(String name, Fixture.Layout forKernel, Fixture.Layout forLamina, String features,
      List<Step> steps) throws IOException {
    TreeSnapshot kernel = TreeSnapshot.of(steps, run(KERNEL, forKernel, features, steps));
    TreeSnapshot got = TreeSnapshot.of(steps, run(lamina, forLamina, features, steps));
    List<Comparison.Difference> diffs = Comparison.unexpected(name, kernel, got);
    assertThat(diffs).as(() -> Comparison.report(name, "kernel", "lamina", diffs)).isEmpty();
  }

  @Override
  public void close() throws IOException {
    Shell.run("rm", "-rf", workRoot.toString());
  }
}
