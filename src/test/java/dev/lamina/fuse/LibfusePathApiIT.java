package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link UnionFuseIT}'s tests through the other server: jnr-fuse over libfuse 2's path API. */
class LibfusePathApiIT extends UnionFuseIT {
  @Override
  String extraOptions() {
    return ",fuse_api=libfuse";
  }

  /** libfuse 2.9 has no lseek operation: the kernel answers SEEK_HOLE/SEEK_DATA as if the file had no holes. */
  @Override
  @Test
  void sparseFilesShowTheirHolesToSeekDataAndSeekHole() throws Exception {
    writeSparseLower();
    fx.mountOverlay(false);
    assertThat(seeks(fx.mnt().resolve("sparse"))).isEqualTo(((8L << 20) + 4) + " " + (1 << 20));
  }
}
