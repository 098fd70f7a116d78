package dev.lamina.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.image.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image helper's fixtures (scripts/make-test-images: the example image converted by skopeo into every format
 * lamina reads) all load into one store as the same three layers (keyed by diff_id, so gzip, zstd and plain
 * copies are extracted once), and each mounted with the kernel's overlayfs equals {@code umoci unpack} of the OCI
 * original.
 */
class ImageFormatsLoadIT {
  @TempDir Path tmp;

  @Test
  void everyFormatLoadsAsTheSameLayersAndMatchesUmociUnpack() throws Exception {
    assumeTrue(TestOps.euid() == 0, "kernel overlayfs mounts need root");
    Path f = TestImages.dir();
    StoreVsUmociIT.run("umoci", "unpack", "--image", f.resolve("oci") + ":latest", tmp.resolve("bundle").toString());
    Map<String, String> expected = PresentedTree.of(tmp.resolve("bundle/rootfs"));
    List<String> refs = List.of(
        "oci:" + f.resolve("oci") + ":latest",
        "oci:" + f.resolve("oci-zstd") + ":latest",
        "oci:" + f.resolve("oci-plain") + ":latest",
        "dir:" + f.resolve("dir"),
        "dir:" + f.resolve("dir-v2s2"),
        "oci-archive:" + f.resolve("image.oci.tar") + ":latest",
        "docker-archive:" + f.resolve("image.docker.tar"),
        "docker-archive:" + f.resolve("image.docker25.tar"),
        "oci:" + f.resolve("multi") + ":latest");
    LayerStore store = LayerStore.open(tmp.resolve("store"), TestOps.options());
    List<Path> first = null;
    for (String ref : refs) {
      StoredImage img = StoreImages.ensure(store, ref, null, LoadListener.NONE);
      if (first == null) {
        first = store.lowerDirs(img);
      }
      assertThat(store.lowerDirs(img)).as(ref).isEqualTo(first);
      assertThat(overlay(store.lowerDirs(img))).as(ref).isEqualTo(expected);
    }
    try (Stream<Path> s = Files.list(tmp.resolve("store/layers"))) {
      assertThat(s.filter(Files::isDirectory).count()).as("each layer extracted once").isEqualTo(3);
    }
  }

  private Map<String, String> overlay(List<Path> bottomFirst) throws Exception {
    return PresentedTree.ofKernelOverlay(bottomFirst, Files.createTempDirectory(tmp, "mnt"));
  }
}
