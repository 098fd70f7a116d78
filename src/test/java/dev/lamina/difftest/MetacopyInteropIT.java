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
 * Metadata-only copies written by one implementation and read by the other, on the same upper dir: the
 * kernel's (metacopy=on) mounted by layers.lamina, lamina's mounted read-write by the kernel, which goes on writing
 * them, and both mounted with metacopy=off (each refuses such a file with EPERM). The merged trees (contents
 * included) and step outcomes must match as in the differential suite.
 */
@Timeout(600)
class MetacopyInteropIT {
  private static final KernelOverlay KERNEL = InteropLayers.KERNEL;
  private static InteropLayers layers;
  private static final String ON = "metacopy=on,redirect_dir=on"; // as metacopy.scenarios mounts

  /** Metadata changes of lower files, a rename across dirs, a link, and one data write. */
  private static final List<Step> META = Scenario.named("meta", "")
      .op("chmod", "lowfile", "0600").op("chown", "d1/f1", 1234, 5678).op("chmod", "big", "0640")
      .op("setxattr", "d1/f2", "user.k", "v").op("rename", "d1/f2", "merged/f2b").op("chmod", "exec", "0700")
      .op("link", "exec", "exlink").op("chmod", "sparse", "0600").op("pwrite", "sparse", "X", 0)
      .build().steps();

  @BeforeAll
  static void setUp() throws IOException {
    layers = InteropLayers.open("metacopy interop", "metacopy-interop-");
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (layers != null) {
      layers.close();
    }
  }

  /** As {@link #assertSameView}, for steps that write: each implementation runs them on its own copy of l. */
  private static void assertSameAfter(String name, Fixture.Layout l, String features, List<Step> steps)
      throws IOException {
    Path dir = l.upper().getParent();
    Fixture.Layout forKernel = Fixture.copy(dir, dir.resolveSibling(dir.getFileName() + "-" + name + "-k"));
    Fixture.Layout forLamina = Fixture.copy(dir, dir.resolveSibling(dir.getFileName() + "-" + name + "-l"));
    layers.assertSameView(name, forKernel, forLamina, features, steps);
  }

  private static String xattr(Path p, String name) throws IOException {
    return Shell.run("getfattr", "--absolute-names", "-n", name, "--only-values", p.toString()).out();
  }

  @Test
  void kernelWrittenMetacopies_readByLamina() throws IOException {
    Fixture.Layout l = layers.copy("k2l");
    InteropLayers.run(KERNEL, l, ON, META);
    assertThat(Shell.run("getfattr", "--absolute-names", "-n", "trusted.overlay.metacopy",
        l.upper().resolve("lowfile").toString()).ok()).isTrue();
    assertThat(xattr(l.upper().resolve("merged/f2b"), "trusted.overlay.redirect")).isEqualTo("/d1/f2");
    layers.assertSameView("kernel_written_metacopies", l, ON, List.of());
    // and lamina writes one of them
    assertSameAfter("kernel_written_metacopy_written", l, ON,
        Scenario.named("w", "").op("append", "merged/f2b", "+").op("truncate", "big", 10).build().steps());
  }

  @Test
  void laminaWrittenMetacopies_readByTheKernelAsItsUpperDir() throws IOException {
    Fixture.Layout l = layers.copy("l2k");
    InteropLayers.run(layers.lamina, l, ON, META);
    assertThat(Shell.run("getfattr", "--absolute-names", "-n", "trusted.overlay.metacopy",
        l.upper().resolve("big").toString()).ok()).isTrue();
    layers.assertSameView("lamina_written_metacopies", l, ON, List.of());
    InteropLayers.run(KERNEL, l, ON, Scenario.named("more", "").op("append", "lowfile", "k").op("rename", "big", "d1/big2")
        .build().steps());
    layers.assertSameView("lamina_then_kernel_metacopies", l, ON, List.of());
  }

  @Test
  void metacopiesWithMetacopyOff_areRefusedWithEperm_byBoth() throws IOException {
    Fixture.Layout l = layers.copy("off");
    InteropLayers.run(KERNEL, l, ON, META);
    List<Step> probe = Scenario.named("probe", "").op("lstat", "lowfile").expect("EPERM")
        .op("lstat", "merged/f2b").expect("EPERM").op("lstat", "topfile").op("read", "sparse").build().steps();
    FsDriver.Result k;
    try (OverlayTarget.Mounted m = KERNEL.mount(l.lowers(), l.upper(), l.work(), l.mnt(), "")) {
      k = FsDriver.run(l.mnt(), probe, false, null);
    }
    FsDriver.Result got;
    try (OverlayTarget.Mounted m = layers.lamina.mount(l.lowers(), l.upper(), l.work(), l.mnt(), "")) {
      got = FsDriver.run(l.mnt(), probe, false, null);
    }
    for (int i = 0; i < probe.size(); i++) {
      assertThat(FsDriver.outcome(got.steps().get(i))).as("step %d", i).isEqualTo(FsDriver.outcome(k.steps().get(i)));
    }
    assertThat(FsDriver.outcome(got.steps().get(0))).isEqualTo("EPERM");
  }
}
