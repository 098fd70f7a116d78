package dev.lamina.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every format skopeo and umoci wrote from the one example recipe parses to the same config and diff_ids, and every
 * layer streams and verifies with the compression the format uses.
 */
class ImageFormatsTest {

  static Stream<Arguments> formats() {
    return Stream.of(
        Arguments.of("oci:%s/oci:latest", Compression.GZIP, List.of()),
        Arguments.of("oci:%s/oci", Compression.GZIP, List.of()),
        Arguments.of("oci:%s/oci-zstd:latest", Compression.ZSTD, List.of()),
        Arguments.of("oci:%s/oci-plain:latest", Compression.NONE, List.of()),
        Arguments.of("oci-archive:%s/image.oci.tar:latest", Compression.GZIP, List.of()),
        Arguments.of("%s/image.oci.tar", Compression.GZIP, List.of()),
        Arguments.of("docker-archive:%s/image.docker.tar", Compression.NONE, List.of("docker.io/example/busybox:1.0")),
        Arguments.of("docker-archive:%s/image.docker.tar:example/busybox:1.0", Compression.NONE,
            List.of("docker.io/example/busybox:1.0")),
        Arguments.of("docker-archive:%s/image.docker.tar:@0", Compression.NONE, List.of("docker.io/example/busybox:1.0")),
        Arguments.of("docker-archive:%s/image.docker25.tar", Compression.NONE, List.of("example/busybox:1.0")),
        Arguments.of("oci-archive:%s/image.docker25.tar:1.0", Compression.NONE, List.of("docker.io/example/busybox:1.0")),
        Arguments.of("oci-archive:%s/image.docker25.tar:example/busybox:1.0", Compression.NONE,
            List.of("docker.io/example/busybox:1.0")),
        Arguments.of("dir:%s/dir", Compression.GZIP, List.of()),
        Arguments.of("dir:%s/dir-v2s2", Compression.GZIP, List.of()),
        Arguments.of("oci:%s/multi:latest", Compression.GZIP, List.of()),
        Arguments.of("dir:%s/dir-multi", Compression.GZIP, List.of()),
        Arguments.of("docker-archive:%s/image.docker.tar.gz", Compression.NONE,
            List.of("docker.io/example/busybox:1.0")));
  }

  @org.junit.jupiter.api.Test
  void layersOfOneArchiveCanBeReadAtTheSameTime() throws Exception {
    // each blob of an archive is read through its own channel, so interleaved streams do not disturb each other
    long plainSize;
    try (Image plain = ImageSource.open(ImageSource.parse("oci:" + TestImages.path("oci-plain")), null)) {
      plainSize = plain.layers().get(0).descriptor().size(); // uncompressed layers: blob = tar
    }
    for (String ref : List.of("oci-archive:%s/image.oci.tar", "docker-archive:%s/image.docker.tar")) {
      try (Image img = ImageSource.open(ImageSource.parse(ref.formatted(TestImages.dir())), null)) {
        List<LayerTarStream> streams = new ArrayList<>();
        for (Layer l : img.layers()) {
          streams.add(((Layer.Blob) l).openTar());
        }
        byte[] buf = new byte[1000];
        boolean any = true;
        while (any) {
          any = false;
          for (LayerTarStream in : streams) {
            any |= in.read(buf) >= 0;
          }
        }
        for (LayerTarStream in : streams) {
          in.close(); // verifies each
        }
        assertThat(streams.get(0).tarBytesRead()).isEqualTo(plainSize);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  void everyFormatReadsTheSameImage(String pattern, Compression compression, List<String> tags) throws Exception {
    ImageReference ref = ImageSource.parse(pattern.formatted(TestImages.dir()));
    ImageConfig expected;
    String expectedId;
    try (Image base = ImageSource.open(ImageSource.parse("oci:" + TestImages.path("oci") + ":latest"), null)) {
      expected = base.config();
      expectedId = base.id();
    }
    try (Image img = ImageSource.open(ref, Platform.parse("linux/amd64"))) {
      assertThat(img.id()).isEqualTo(expectedId);
      assertThat(img.config()).isEqualTo(expected);
      assertThat(img.repoTags()).isEqualTo(tags);
      assertThat(img.layers()).hasSize(3);
      List<Digest> diffIds = new ArrayList<>();
      for (Layer l : img.layers()) {
        assertThat(l).isInstanceOf(Layer.Blob.class);
        try (LayerTarStream in = ((Layer.Blob) l).openTar()) {
          in.transferTo(OutputStream.nullOutputStream());
          assertThat(in.compression()).isEqualTo(compression);
          assertThat(in.blobBytesRead()).isEqualTo(l.descriptor().size());
        }
        diffIds.add(l.diffId());
      }
      assertThat(diffIds).isEqualTo(expected.diffIds());
    }
  }
}
