package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redirects written by one implementation and read by the other, on the same upper dir: the kernel's
 * (redirect_dir=on) mounted by lamina, lamina's mounted read-write by the kernel, and a layer with redirects
 * mounted with redirect_dir=nofollow (both refuse the lookup with EPERM). The merged trees and step outcomes
 * must match as in the differential suite.
 */
@Timeout(600)
class RedirectInteropIT {
  private static final KernelOverlay KERNEL = new KernelOverlay();
  private static final String ON = RedirectScenarios.REDIRECT;
  private static Path workRoot;
  private static Path template;
  private static OverlayTarget lamina;

  /** Renames of merged, lower and nested dirs, within and across parents, then changes inside them. */
  private static final List<Step> RENAMES = Scenario.named("renames", "")
      .op("rename", "dlow", "dlow2").op("rename", "d1/sub", "merged/sub").op("mkdir", "x")
      .op("rename", "d1", "x/d1").op("create", "x/d1/new", "n").op("unlink", "x/d1/f1")
      .op("rename", "many", "m2").op("rename", "m2/e01", "m2/e01b").build().steps();

  @BeforeAll
  static void setUp() throws IOException {
    String reason = KERNEL.unavailableReason();
    assumeTrue(reason == null, () -> "redirect interop skipped: " + reason);
    lamina = FuseOverlay.lamina();
    String why = lamina.unavailableReason();
    assumeTrue(why == null, () -> "redirect interop skipped: lamina cannot mount: " + why);
    workRoot = Files.createTempDirectory(Path.of("/tmp"), "redirect-interop-");
    template = workRoot.resolve("template");
    Fixture.build(template);
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (workRoot != null) {
      Shell.run("rm", "-rf", workRoot.toString());
    }
  }

  private static FsDriver.Result run(OverlayTarget t, Fixture.Layout l, String features, List<Step> steps)
      throws IOException {
    try (OverlayTarget.Mounted m = t.mount(l.lowers(), l.upper(), l.work(), l.mnt(), features)) {
      return FsDriver.run(l.mnt(), steps, true, null);
    }
  }

  /** What kernel and lamina show over the same layers with these features, step outcomes included. */
  private static void assertSameView(String name, Fixture.Layout l, String features, List<Step> steps)
      throws IOException {
    TreeSnapshot kernel = TreeSnapshot.of(steps, run(KERNEL, l, features, steps));
    TreeSnapshot got = TreeSnapshot.of(steps, run(lamina, l, features, steps));
    List<Comparison.Difference> diffs = Comparison.unexpected(name, kernel, got);
    assertThat(diffs).as(() -> Comparison.report(name, "kernel", "lamina", diffs)).isEmpty();
  }

  @Test
  void kernelWrittenRedirects_readByLamina() throws IOException {
    Fixture.Layout l = Fixture.copy(template, workRoot.resolve("k2l"));
    run(KERNEL, l, ON, RENAMES);
    assertThat(Shell.check("getfattr", "--absolute-names", "-n", "trusted.overlay.redirect", "--only-values",
        l.upper().resolve("dlow2").toString())).isEqualTo("dlow");
    assertSameView("kernel_written_redirects", l, ON, List.of());
    assertSameView("kernel_written_redirects_followed_when_off", l, "", List.of());
  }

  @Test
  void laminaWrittenRedirects_readByTheKernelAsItsUpperDir() throws IOException {
    Fixture.Layout l = Fixture.copy(template, workRoot.resolve("l2k"));
    run(lamina, l, ON, RENAMES);
    // and on, the other way round: the kernel moves what lamina moved
    assertSameView("lamina_written_redirects", l, ON, List.of());
    run(KERNEL, l, ON, Scenario.named("more", "").op("rename", "x/d1", "d1again").op("rename", "dlow2", "x/dl")
        .build().steps());
    assertSameView("lamina_then_kernel_redirects", l, ON, List.of());
  }

  @Test
  void redirectsInALowerLayer_withNofollow_failTheLookupWithEperm() throws IOException {
    Fixture.Layout written = Fixture.copy(template, workRoot.resolve("nf-src"));
    run(KERNEL, written, ON, RENAMES);
    Path dir = workRoot.resolve("nf");
    Fixture.Layout l = Fixture.copy(template, dir);
    // the upper dir with redirects becomes the top lower layer of a new overlay
    Path layer = dir.resolve("redirected");
    Shell.check("cp", "-a", written.upper().toString(), layer.toString());
    List<Path> lowers = new java.util.ArrayList<>(List.of(layer));
    lowers.addAll(l.lowers());
    Fixture.Layout stacked = new Fixture.Layout(lowers, l.upper(), l.work(), l.mnt());
    List<Step> probe = Scenario.named("probe", "").op("lstat", "dlow2").expect("EPERM")
        .op("lstat", "topfile").build().steps();
    FsDriver.Result k;
    try (OverlayTarget.Mounted m = KERNEL.mount(stacked.lowers(), stacked.upper(), stacked.work(), stacked.mnt(),
        "redirect_dir=nofollow")) {
      k = FsDriver.run(stacked.mnt(), probe, false, null);
    }
    FsDriver.Result got;
    try (OverlayTarget.Mounted m = lamina.mount(stacked.lowers(), stacked.upper(), stacked.work(), stacked.mnt(),
        "redirect_dir=nofollow")) {
      got = FsDriver.run(stacked.mnt(), probe, false, null);
    }
    assertThat(FsDriver.outcome(k.steps().get(0))).isEqualTo("EPERM");
    assertThat(FsDriver.outcome(got.steps().get(0))).isEqualTo("EPERM");
    assertThat(FsDriver.outcome(got.steps().get(1))).isEqualTo(FsDriver.outcome(k.steps().get(1)));
  }

  @Test
  void kernelMetacopies_areRefusedWithEperm_asByTheKernelWithMetacopyOff() throws IOException {
    Fixture.Layout l = Fixture.copy(template, workRoot.resolve("meta"));
    run(KERNEL, l, "metacopy=on,redirect_dir=on", Scenario.named("chmod", "").op("chmod", "lowfile", "0600")
        .build().steps());
    List<Step> probe = Scenario.named("probe", "").op("lstat", "lowfile").op("lstat", "topfile").build().steps();
    FsDriver.Result k;
    try (OverlayTarget.Mounted m = KERNEL.mount(l.lowers(), l.upper(), l.work(), l.mnt(), "")) {
      k = FsDriver.run(l.mnt(), probe, false, null);
    }
    FsDriver.Result got;
    try (OverlayTarget.Mounted m = lamina.mount(l.lowers(), l.upper(), l.work(), l.mnt(), "")) {
      got = FsDriver.run(l.mnt(), probe, false, null);
    }
    assertThat(FsDriver.outcome(k.steps().get(0))).isEqualTo("EPERM");
    assertThat(FsDriver.outcome(got.steps().get(0))).isEqualTo("EPERM");
    assertThat(FsDriver.outcome(got.steps().get(1))).isEqualTo(FsDriver.outcome(k.steps().get(1)));
  }
}
