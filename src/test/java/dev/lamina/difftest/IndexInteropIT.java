package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.conformance.Fixture;
import dev.lamina.conformance.KernelOverlay;
import dev.lamina.conformance.OverlayTarget;
import dev.lamina.conformance.Scenario;
import dev.lamina.conformance.Shell;
import dev.lamina.conformance.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The inode index (index=on) written by one implementation and read and written by the other, on the same upper
 * and work dirs: the kernel's index read by lamina, lamina's mounted read-write by the kernel, which goes on
 * changing the link counts; both show one inode (equal st_ino, the same attributes at once) for every name of the
 * fixture's lower hard link hl1 = hl2 and the same counts. A layer set mounted with index=on and then over other
 * lower dirs is refused by both.
 */
@Timeout(600)
class IndexInteropIT {
  private static final KernelOverlay KERNEL = InteropLayers.KERNEL;
  private static InteropLayers layers;
  private static final String ON = "index=on"; // as index.scenarios mounts

  /** A write through one name, a link across dirs, a metadata change through the other name. */
  private static final List<Step> WRITE = Scenario.named("write", "")
      .op("append", "hl1", "!").op("link", "hl2", "d1/hl3").op("chmod", "hl2", "0600").build().steps();

  /** What every name shows: one inode, its count, its data. */
  private static final List<Step> PROBE = Scenario.named("probe", "")
      .op("statall", List.of("hl1", "hl2", "d1/hl3")).op("sameinoas", "hl1", "hl2").op("sameinoas", "hl2", "d1/hl3")
      .op("read", "hl2").op("read", "d1/hl3").build().steps();

  /** The same after the count changed: hl1 gone. */
  private static final List<Step> PROBE_AFTER = Scenario.named("probe", "")
      .op("statall", List.of("hl2", "d1/hl3")).op("sameinoas", "hl2", "d1/hl3").op("read", "hl2")
      .op("lstat", "hl1").expect("ENOENT").build().steps();

  @BeforeAll
  static void setUp() throws IOException {
    layers = InteropLayers.open("index interop", "index-interop-");
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (layers != null) {
      layers.close();
    }
  }

  private static List<Path> indexEntries(Fixture.Layout l) throws IOException {
    try (Stream<Path> s = Files.list(l.work().resolve("index"))) {
      return s.toList();
    }
  }

  private static String xattr(Path p, String name) throws IOException {
    return Shell.run("getfattr", "--absolute-names", "-n", name, "--only-values", p.toString()).out();
  }

  @Test
  void kernelWrittenIndex_readAndWrittenByLamina() throws IOException {
    Fixture.Layout l = layers.copy("k2l");
    InteropLayers.run(KERNEL, l, ON, WRITE);
    assertThat(indexEntries(l)).hasSize(1);
    layers.assertSameView("kernel_written_index", l, ON, PROBE);
    // lamina changes the count (an unlink through a name the kernel never copied up) and the kernel reads it back
    InteropLayers.run(layers.lamina, l, ON, Scenario.named("unlink", "").op("unlink", "hl1").build().steps());
    layers.assertSameView("kernel_index_after_lamina_unlink", l, ON, PROBE_AFTER);
  }

  @Test
  void laminaWrittenIndex_readAndWrittenByTheKernel() throws IOException {
    Fixture.Layout l = layers.copy("l2k");
    InteropLayers.run(layers.lamina, l, ON, WRITE);
    List<Path> idx = indexEntries(l);
    assertThat(idx).hasSize(1);
    // the kernel's format: named by the origin's hex, the origin recorded on it, the count relative to it
    assertThat(Shell.run("getfattr", "--absolute-names", "-e", "hex", "-n", "trusted.overlay.origin",
        idx.get(0).toString()).out()).contains("trusted.overlay.origin=0x" + idx.get(0).getFileName());
    Fixture.Layout byKernel = layers.copy("l2k-kernel");
    InteropLayers.run(KERNEL, byKernel, ON, WRITE);
    assertThat(xattr(idx.get(0), "trusted.overlay.nlink"))
        .isEqualTo(xattr(indexEntries(byKernel).get(0), "trusted.overlay.nlink")).isEqualTo("U-1");
    assertThat(Files.isSameFile(idx.get(0), l.upper().resolve("hl1"))).isTrue();
    layers.assertSameView("lamina_written_index", l, ON, PROBE);
    InteropLayers.run(KERNEL, l, ON, Scenario.named("unlink", "").op("unlink", "hl1").build().steps());
    layers.assertSameView("lamina_index_after_kernel_unlink", l, ON, PROBE_AFTER);
  }

  @Test
  void indexedLayers_overOtherLowerDirs_areRefusedByBoth() throws IOException {
    Fixture.Layout l = layers.copy("other");
    InteropLayers.run(layers.lamina, l, ON, WRITE);
    List<Path> other = List.of(Files.createDirectories(l.upper().resolveSibling("other-lower")));
    assertThatThrownBy(() -> KERNEL.mount(other, l.upper(), l.work(), l.mnt(), ON).close())
        .hasMessageContaining("Stale file handle");
    assertThatThrownBy(() -> layers.lamina.mount(other, l.upper(), l.work(), l.mnt(), ON).close())
        .hasMessageContaining("other lower dirs").hasMessageContaining("index=off");
    // with index=off both mount it
    try (OverlayTarget.Mounted m = KERNEL.mount(other, l.upper(), l.work(), l.mnt(), "index=off")) {
      assertThat(Files.exists(l.mnt().resolve("hl1"))).isTrue();
    }
    try (OverlayTarget.Mounted m = layers.lamina.mount(other, l.upper(), l.work(), l.mnt(), "index=off")) {
      assertThat(Files.exists(l.mnt().resolve("hl1"))).isTrue();
    }
  }
}
