package dev.lamina.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed example image (src/example/busybox-layers, made by scripts/make-example-image) reads and verifies. */
class ExampleImageTest {
  static final Path EXAMPLE = Path.of("src/example/busybox-layers");

  @Test
  void readsTheExampleImageAndVerifiesEveryLayer() throws Exception {
    try (Image img = ImageSource.open(ImageSource.parse("oci:" + EXAMPLE + ":latest"), null)) {
      assertThat(img.layers()).hasSize(3);
      assertThat(img.config().config().cmd()).containsExactly("/bin/sh", "-c", "cat /etc/motd");
      assertThat(img.config().config().workingDir()).isEqualTo("/opt/app");
      assertThat(img.config().diffIds()).hasSize(3);
      assertThat(img.config().history()).hasSize(3);
      List<String> layer2 = new ArrayList<>();
      for (Layer l : img.layers()) {
        Layer.Blob b = (Layer.Blob) l;
        try (LayerTarStream in = b.openTar()) {
          assertThat(in.compression()).isEqualTo(Compression.GZIP);
          TarArchiveInputStream tar = new TarArchiveInputStream(in);
          for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
            if (l.index() == 1) {
              layer2.add(e.getName());
            }
          }
        } // close drains the padding and verifies
      }
      assertThat(layer2).contains("./etc/.wh.issue", "./opt/app/data/.wh..wh..opq", "./etc/motd");
    }
  }

  @Test
  void aBareDirectoryIsRecognisedAsAnOciLayout() throws Exception {
    assertThat(ImageSource.parse(EXAMPLE.toString())).isInstanceOf(ImageReference.Oci.class);
    assertThat(ImageSource.parse("./" + EXAMPLE)).isEqualTo(new ImageReference.Oci(Path.of("./" + EXAMPLE), null));
  }

  @Test
  void aFlippedByteInALayerIsReportedWithTheBlobsDigest(@TempDir Path tmp) throws Exception {
    Path copy = copyLayout(tmp);
    Image probe = ImageSource.open(new ImageReference.Oci(copy, null), null);
    Descriptor biggest = probe.layers().get(0).descriptor();
    Path blob = copy.resolve("blobs/sha256/" + biggest.digest().hex());
    try (RandomAccessFile f = new RandomAccessFile(blob.toFile(), "rw")) {
      f.seek(biggest.size() / 2);
      int b = f.read();
      f.seek(biggest.size() / 2);
      f.write(b ^ 0x55);
    }
    Layer.Blob layer = (Layer.Blob) probe.layers().get(0);
    assertThatThrownBy(() -> {
          try (InputStream in = layer.openTar()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
          }
        })
        .isInstanceOf(BlobMismatchException.class)
        .hasMessageContaining("layer 0 (" + biggest.digest() + ")")
        .hasMessageContaining("the blob's digest is");
  }

  static Path copyLayout(Path tmp) throws Exception {
    Path copy = tmp.resolve("layout");
    try (Stream<Path> s = Files.walk(EXAMPLE)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = copy.resolve(EXAMPLE.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return copy;
  }
}
