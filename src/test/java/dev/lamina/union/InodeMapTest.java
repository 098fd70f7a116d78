package dev.lamina.union;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Merged inode numbers: backing numbers when every layer is on one file system, layer bits otherwise. */
class InodeMapTest {
  private static final Layer LOWER = new Layer(0, Path.of("/l"), -1, 8, false);
  private static final Layer UPPER = new Layer(1, Path.of("/u"), -1, 8, true);
  private static final Layer OTHER_FS_UPPER = new Layer(1, Path.of("/u"), -1, 9, true);

  @Test
  void oneFileSystem_showsBackingNumbersLikeOverlayfsXinoAuto() {
    InodeMap m = new InodeMap(List.of(8L, 8L));
    assertThat(m.backingNumbers()).isTrue();
    assertThat(m.compose(LOWER, 8, 1234)).isEqualTo(1234);
    assertThat(m.compose(UPPER, 8, 5678)).isEqualTo(5678);
  }

  @Test
  void layersOnSeveralFileSystems_putTheLayerInTheHighBits() {
    InodeMap m = new InodeMap(List.of(8L, 9L));
    assertThat(m.backingNumbers()).isFalse();
    assertThat(m.compose(LOWER, 8, 1234)).isEqualTo(1L << 48 | 1234);
    assertThat(m.compose(OTHER_FS_UPPER, 9, 1234)).isEqualTo(2L << 48 | 1234);
  }

  @Test
  void twoLayersOnOneFileSystem_giveAnInodeOneNumber_whenTheStackSpansFileSystems() {
    Layer up = new Layer(0, Path.of("/u"), -1, 9, true);
    Layer a = new Layer(1, Path.of("/a"), -1, 8, false);
    Layer b = new Layer(2, Path.of("/b"), -1, 8, false);
    InodeMap m = new InodeMap(List.of(9L, 8L, 8L));
    // one id per filesystem, as the kernel's xino: a copied-up file's origin, found through either layer, and
    // a hard link between the two layers keep one number
    assertThat(m.compose(a, 8, 1234)).isEqualTo(m.compose(b, 8, 1234)).isEqualTo(2L << 48 | 1234);
    assertThat(m.compose(up, 9, 1234)).isEqualTo(1L << 48 | 1234);
  }

  @Test
  void anotherDeviceOrAHugeNumber_getsAReservedNumberThatStaysTheSame() {
    InodeMap m = new InodeMap(List.of(8L, 8L));
    long sub = m.compose(LOWER, 77, 1234);
    assertThat(sub >>> 48).isEqualTo(0xFFFF);
    assertThat(m.compose(LOWER, 77, 1234)).isEqualTo(sub);
    assertThat(m.compose(LOWER, 8, 1L << 50)).isNotEqualTo(sub).matches(n -> n >>> 48 == 0xFFFF);
  }
}
