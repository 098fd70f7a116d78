package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.conformance.Fixture;
import dev.lamina.conformance.FsDriver;
import dev.lamina.conformance.KernelOverlay;
import dev.lamina.conformance.OverlayTarget;
import dev.lamina.conformance.Scenario;
import dev.lamina.conformance.Shell;
import dev.lamina.conformance.Step;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redirects written by one implementation and read by the other, on the same upper dir: the kernel's
 * (redirect_dir=on) mounted by layers.lamina, lamina's mounted read-write by the kernel, and a layer with redirects
 * mounted with redirect_dir=nofollow (both refuse the lookup with EPERM). The merged trees and step outcomes
 * must match as in the differential suite.
 */
@Timeout(600)
class RedirectInteropIT {
  private static final KernelOverlay KERNEL = InteropLayers.KERNEL;
  private static InteropLayers layers;
  private static final String ON = "redirect_dir=on"; // as redirect.scenarios mounts

  /** Renames of merged, lower and nested dirs, within and across parents, then changes inside them. */
  private static final List<Step> RENAMES = Scenario.named("renames", "")
      .op("rename", "dlow", "dlow2").op("rename", "d1/sub", "merged/sub").op("mkdir", "x")
      .op("rename", "d1", "x/d1").op("create", "x/d1/new", "n").op("unlink", "x/d1/f1")
      .op("rename", "many", "m2").op("rename", "m2/e01", "m2/e01b").build().steps();

  @BeforeAll
  static void setUp() throws IOException {
    layers = InteropLayers.open("redirect interop", "redirect-interop-");
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (layers != null) {
      layers.close();
    }
  }

  @Test
  void kernelWrittenRedirects_readByLamina() throws IOException {
    Fixture.Layout l = layers.copy("k2l");
    InteropLayers.run(KERNEL, l, ON, RENAMES);
    assertThat(Shell.check("getfattr", "--absolute-names", "-n", "trusted.overlay.redirect", "--only-values",
        l.upper().resolve("dlow2").toString())).isEqualTo("dlow");
    layers.assertSameView("kernel_written_redirects", l, ON, List.of());
    layers.assertSameView("kernel_written_redirects_followed_when_off", l, "", List.of());
  }

  @Test
  void laminaWrittenRedirects_readByTheKernelAsItsUpperDir() throws IOException {
    Fixture.Layout l = layers.copy("l2k");
    InteropLayers.run(layers.lamina, l, ON, RENAMES);
    // and on, the other way round: the kernel moves what lamina moved
    layers.assertSameView("lamina_written_redirects", l, ON, List.of());
    InteropLayers.run(KERNEL, l, ON, Scenario.named("more", "").op("rename", "x/d1", "d1again").op("rename", "dlow2", "x/dl")
        .build().steps());
    layers.assertSameView("lamina_then_kernel_redirects", l, ON, List.of());
  }

  @Test
  void redirectsInALowerLayer_withNofollow_failTheLookupWithEperm() throws IOException {
    Fixture.Layout written = layers.copy("nf-src");
    InteropLayers.run(KERNEL, written, ON, RENAMES);
    Path dir = layers.workRoot.resolve("nf");
    Fixture.Layout l = Fixture.copy(layers.template, dir);
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
    try (OverlayTarget.Mounted m = layers.lamina.mount(stacked.lowers(), stacked.upper(), stacked.work(), stacked.mnt(),
        "redirect_dir=nofollow")) {
      got = FsDriver.run(stacked.mnt(), probe, false, null);
    }
    assertThat(FsDriver.outcome(k.steps().get(0))).isEqualTo("EPERM");
    assertThat(FsDriver.outcome(got.steps().get(0))).isEqualTo("EPERM");
    assertThat(FsDriver.outcome(got.steps().get(1))).isEqualTo(FsDriver.outcome(k.steps().get(1)));
  }
}
