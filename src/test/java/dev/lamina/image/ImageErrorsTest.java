package dev.lamina.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt, foreign or mismatched images fail with errors that name the blob and the cause. */
class ImageErrorsTest {
  @TempDir Path tmp;

  private static void readAll(Image img) throws IOException {
    for (Layer l : img.layers()) {
      try (LayerTarStream in = ((Layer.Blob) l).openTar()) {
        in.transferTo(OutputStream.nullOutputStream());
      }
    }
  }

  private Image open(Path layout) throws IOException {
    return ImageSource.open(new ImageReference.Oci(layout, "latest"), null);
  }

  private static void flipByte(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x01);
    }
  }

  @Test
  void blobDigestMismatchInAnUncompressedLayerNamesTheBlob() throws Exception {
    Path layout = TestImages.copy("oci-plain", tmp);
    try (Image img = open(layout)) {
      Descriptor d = img.layers().get(1).descriptor();
      flipByte(new LayoutEditor(layout).blob(d.digest()), 600); // inside /etc/motd's content
      assertThatThrownBy(() -> readAll(img))
          .isInstanceOf(BlobMismatchException.class)
          .hasMessageContaining("layer 1 (" + d.digest() + ")")
          .hasMessageContaining("the blob's digest is sha256:")
          .hasMessageContaining("but its descriptor says " + d.digest());
    }
  }

  @Test
  void aCorruptZstdLayerIsReportedAsADigestMismatch() throws Exception {
    Path layout = TestImages.copy("oci-zstd", tmp);
    try (Image img = open(layout)) {
      Descriptor d = img.layers().get(0).descriptor();
      flipByte(new LayoutEditor(layout).blob(d.digest()), d.size() / 3);
      assertThatThrownBy(() -> readAll(img))
          .isInstanceOf(BlobMismatchException.class)
          .hasMessageContaining("layer 0 (" + d.digest() + ")");
    }
  }

  @Test
  void aBlobLongerThanItsDescriptorFails() throws Exception {
    Path layout = TestImages.copy("oci-plain", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    ed.editManifest(m -> ed.layer(m, 2).put("size", ed.layer(m, 2).get("size").asLong() - 1));
    try (Image img = open(layout)) {
      assertThatThrownBy(() -> readAll(img))
          .isInstanceOf(BlobMismatchException.class)
          .hasMessageContaining("layer 2 (")
          .hasMessageContaining("longer than");
    }
  }

  @Test
  void aBlobShorterThanItsDescriptorFails() throws Exception {
    Path layout = TestImages.copy("oci", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    ed.editManifest(m -> ed.layer(m, 1).put("size", ed.layer(m, 1).get("size").asLong() + 10));
    try (Image img = open(layout)) {
      assertThatThrownBy(() -> readAll(img))
          .isInstanceOf(BlobMismatchException.class)
          .hasMessageContaining("layer 1 (")
          .hasMessageMatching("(?s).*the blob is \\d+ bytes, but its descriptor says \\d+.*");
    }
  }

  @Test
  void aDiffIdMismatchIsReportedAtTheEndOfTheLayer() throws Exception {
    Path layout = TestImages.copy("oci", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    String wrong = "sha256:" + "ab".repeat(32);
    ed.editConfig(c -> ((com.fasterxml.jackson.databind.node.ArrayNode) c.get("rootfs").get("diff_ids")).set(1,
        com.fasterxml.jackson.databind.node.TextNode.valueOf(wrong)));
    try (Image img = open(layout)) {
      Layer.Blob l = (Layer.Blob) img.layers().get(1);
      assertThatThrownBy(() -> {
            try (LayerTarStream in = l.openTar()) {
              in.transferTo(OutputStream.nullOutputStream());
            }
          })
          .isInstanceOf(BlobMismatchException.class)
          .hasMessageContaining("layer 1 (" + l.descriptor().digest() + ")")
          .hasMessageContaining("rootfs.diff_ids says " + wrong);
    }
  }

  @Test
  void aDiffIdMismatchIsReportedOnCloseWhenTheCallerStopsEarly() throws Exception {
    Path layout = TestImages.copy("oci", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    ed.editConfig(c -> ((com.fasterxml.jackson.databind.node.ArrayNode) c.get("rootfs").get("diff_ids")).set(0,
        com.fasterxml.jackson.databind.node.TextNode.valueOf("sha256:" + "cd".repeat(32))));
    try (Image img = open(layout)) {
      LayerTarStream in = ((Layer.Blob) img.layers().get(0)).openTar();
      in.readNBytes(1000);
      assertThatThrownBy(in::close).isInstanceOf(BlobMismatchException.class).hasMessageContaining("diff_ids");
    }
  }

  @Test
  void aModifiedManifestNoLongerMatchesTheIndex() throws Exception {
    Path layout = TestImages.copy("oci", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    Path manifest = ed.blob(ed.manifestDigest());
    Files.writeString(manifest, Files.readString(manifest).replace("\"schemaVersion\":2", "\"schemaVersion\": 2"));
    assertThatThrownBy(() -> open(layout))
        .isInstanceOf(BlobMismatchException.class)
        .hasMessageContaining("the manifest of oci:" + layout + ":latest");
  }

  @Test
  void aForeignLayerMediaTypeIsNamed() throws Exception {
    Path layout = TestImages.copy("oci", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    ed.editManifest(m -> ed.layer(m, 0).put("mediaType", "application/vnd.cncf.helm.chart.content.v1.tar+gzip"));
    assertThatThrownBy(() -> open(layout))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("layer 0 (")
        .hasMessageContaining("application/vnd.cncf.helm.chart.content.v1.tar+gzip")
        .hasMessageContaining("not an OCI or Docker layer type");
  }

  @Test
  void anArtifactConfigIsNamed() throws Exception {
    Path layout = TestImages.copy("oci", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    ed.editManifest(m -> ((com.fasterxml.jackson.databind.node.ObjectNode) m.get("config"))
        .put("mediaType", "application/vnd.cncf.helm.config.v1+json"));
    assertThatThrownBy(() -> open(layout))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("config of media type application/vnd.cncf.helm.config.v1+json");
  }

  @Test
  void anAbsentMediaTypeIsAcceptedAndDockerTypesToo() throws Exception {
    Path layout = TestImages.copy("oci", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    ed.editManifest(m -> {
      m.remove("mediaType");
      ((com.fasterxml.jackson.databind.node.ObjectNode) m.get("config")).remove("mediaType");
      ed.layer(m, 0).remove("mediaType");
      ed.layer(m, 1).put("mediaType", MediaTypes.DOCKER_LAYER_GZIP);
      ed.layer(m, 2).put("mediaType", MediaTypes.OCI_LAYER); // the blob is gzip: detected by magic, not type
    });
    try (Image img = open(layout)) {
      readAll(img);
      assertThat(img.layers().get(0).descriptor().mediaType()).isNull();
    }
  }

  @Test
  void aMissingLayerBlobIsNamedWhenTheImageIsOpened() throws Exception {
    Path layout = TestImages.copy("oci", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    Digest d = Digest.parse(ed.layer(ed.manifest(), 2).get("digest").asText());
    Files.delete(ed.blob(d));
    assertThatThrownBy(() -> open(layout))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("layer 2 (" + d + ")")
        .hasMessageContaining("is missing");
  }

  @Test
  void aMissingPlatformListsThePlatformsPresentButNotAttestations() throws Exception {
    ImageReference ref = ImageSource.parse("oci:" + TestImages.path("multi") + ":latest");
    assertThatThrownBy(() -> ImageSource.open(ref, Platform.parse("linux/s390x")))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("no image for platform linux/s390x")
        .hasMessageContaining("platforms present: linux/amd64, linux/arm64/v8;")
        .hasMessageContaining("--platform")
        .hasMessageNotContaining("unknown");
    assertThatThrownBy(() -> ImageSource.open(ref, Platform.parse("unknown/unknown")))
        .hasMessageContaining("no image for platform unknown/unknown");
  }

  @Test
  void thePlatformPicksTheManifest() throws Exception {
    ImageReference ref = ImageSource.parse("oci:" + TestImages.path("multi") + ":latest");
    try (Image arm = ImageSource.open(ref, Platform.parse("linux/arm64"));
        Image armV8 = ImageSource.open(ref, Platform.parse("linux/arm64/v8"));
        Image amd = ImageSource.open(ref, Platform.parse("linux/amd64"))) {
      assertThat(arm.config().architecture()).isEqualTo("arm64");
      assertThat(armV8.id()).isEqualTo(arm.id());
      assertThat(amd.config().architecture()).isEqualTo("amd64");
      assertThat(arm.manifestDescriptor().platform()).isEqualTo(new Platform("linux", "arm64", "v8"));
    }
  }

  @Test
  void aDirCopiedWithAllPicksThePlatformToo() throws Exception {
    ImageReference ref = ImageSource.parse("dir:" + TestImages.path("dir-multi"));
    try (Image arm = ImageSource.open(ref, Platform.parse("linux/arm64"))) {
      assertThat(arm.config().architecture()).isEqualTo("arm64");
    }
    assertThatThrownBy(() -> ImageSource.open(ref, Platform.parse("linux/ppc64le")))
        .hasMessageContaining("platforms present: linux/amd64, linux/arm64/v8;");
  }

  @Test
  void anExplicitPlatformMustMatchASingleManifestImage() throws Exception {
    ImageReference ref = ImageSource.parse("oci:" + TestImages.path("oci") + ":latest");
    assertThatThrownBy(() -> ImageSource.open(ref, Platform.parse("linux/arm64")))
        .hasMessageContaining("is a single-platform image for linux/amd64, not for the requested linux/arm64")
        .hasMessageNotContaining("platforms present");
  }

  /**
   * The index entry the user chose is the answer, as with skopeo --override-arch: a config that names another
   * platform (a mislabelled or emulated build) does not refuse it. Relabels multi's arm64 entry as riscv64.
   */
  @Test
  void aManifestChosenFromAnIndexIsNotRefusedByItsConfig() throws Exception {
    Path layout = TestImages.copy("multi", tmp);
    LayoutEditor ed = new LayoutEditor(layout);
    Digest idx = ed.manifestDigest();
    ObjectNode index = (ObjectNode) new ObjectMapper().readTree(ed.blob(idx).toFile());
    ObjectNode armPlatform = (ObjectNode) index.get("manifests").get(1).get("platform");
    armPlatform.put("architecture", "riscv64");
    armPlatform.remove("variant");
    Digest relabelled = ed.store(new ObjectMapper().writeValueAsBytes(index));
    ObjectNode top = ed.index();
    ((ObjectNode) top.get("manifests").get(0)).put("digest", relabelled.toString());
    ((ObjectNode) top.get("manifests").get(0)).put("size", Files.size(ed.blob(relabelled)));
    Files.write(layout.resolve("index.json"), new ObjectMapper().writeValueAsBytes(top));
    ImageReference ref = ImageSource.parse("oci:" + layout + ":latest");
    try (Image img = ImageSource.open(ref, Platform.parse("linux/riscv64"))) {
      assertThat(img.config().architecture()).isEqualTo("arm64");
      assertThat(img.manifestDescriptor().platform()).isEqualTo(new Platform("linux", "riscv64", null));
    }
  }

  @Test
  void anUnknownTagListsTheTagsPresent() throws Exception {
    assertThatThrownBy(() -> ImageSource.open(ImageSource.parse("oci:" + TestImages.path("oci") + ":nope"), null))
        .hasMessageContaining("no image tagged 'nope'; tags present: latest");
    assertThatThrownBy(() -> ImageSource.open(
            ImageSource.parse("docker-archive:" + TestImages.path("image.docker.tar") + ":other/thing:2"), null))
        .hasMessageContaining("no image named other/thing:2; images present: docker.io/example/busybox:1.0");
  }

  @Test
  void aClassicDockerArchiveWithAModifiedLayerFailsOnTheDiffId() throws Exception {
    // the classic layout names layers by diff_id only, so the uncompressed digest is the check that catches this
    Path archive = tmp.resolve("image.docker.tar");
    Files.copy(TestImages.path("image.docker.tar"), archive);
    byte[] all = Files.readAllBytes(archive);
    String needle = "modified in layer 2";
    int at = new String(all, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf(needle);
    assertThat(at).isPositive();
    try (var ch = Files.newByteChannel(archive, StandardOpenOption.WRITE)) {
      ch.position(at);
      ch.write(java.nio.ByteBuffer.wrap("MODIFIED".getBytes()));
    }
    try (Image img = ImageSource.open(new ImageReference.DockerArchive(archive, null), null)) {
      assertThatThrownBy(() -> readAll(img))
          .isInstanceOf(BlobMismatchException.class)
          .hasMessageContaining("layer 1 (")
          .hasMessageContaining("rootfs.diff_ids says " + img.config().diffIds().get(1));
    }
  }

  @Test
  void aDirectoryThatIsNoImageSaysWhatItExpected() throws Exception {
    Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> ImageSource.open(new ImageReference.Oci(tmp.resolve("empty"), null), null))
        .hasMessageContaining("is not an OCI image layout (no oci-layout file)");
    assertThatThrownBy(() -> ImageSource.open(
            new ImageReference.OciArchive(TestImages.path("image.docker.tar"), null), null))
        .hasMessageContaining("use docker-archive:");
  }
}
