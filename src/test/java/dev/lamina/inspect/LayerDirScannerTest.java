package dev.lamina.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extracted layer dirs and upper dirs read as layers: both whiteout forms, opaque markers, override_stat. */
class LayerDirScannerTest {

  @Test
  void whiteoutFilesAndOpaqueMarker(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a"), "hello");
    Files.createFile(dir.resolve(".wh.b"));
    Files.createDirectories(dir.resolve("d"));
    Files.createFile(dir.resolve("d/.wh..wh..opq"));
    Files.writeString(dir.resolve("d/new"), "n");

    LayerTree t = LayerDirScanner.scan(dir);

    assertThat(t.root().find("a").entry().size()).isEqualTo(5);
    assertThat(t.root().find("b").whiteout()).isNotNull();
    assertThat(t.root().find("b").entry()).isNull();
    assertThat(t.root().find("d").opaque()).isNotNull();
    assertThat(t.root().find("d").children()).extracting(LayerNode::name).containsExactly("new");
  }

  @Test
  void overlayCharDeviceWhiteout_asRoot(@TempDir Path dir) throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mknod needs root");
    Process p = new ProcessBuilder("mknod", dir.resolve("gone").toString(), "c", "0", "0").start();
    assertThat(p.waitFor()).isZero();

    LayerTree t = LayerDirScanner.scan(dir);

    assertThat(t.root().find("gone").whiteout()).isNotNull();
    assertThat(t.root().find("gone").whiteout().tarName()).isEqualTo(".wh.gone");
  }

  @Test
  void userXattrs_opaqueAndOverrideStat(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "x");
    Path d = Files.createDirectories(dir.resolve("d"));
    UserDefinedFileAttributeView fv = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
    try {
      fv.write("containers.override_stat", ByteBuffer.wrap("1000:100:0600:file".getBytes(StandardCharsets.US_ASCII)));
      Files.getFileAttributeView(d, UserDefinedFileAttributeView.class)
          .write("overlay.opaque", ByteBuffer.wrap(new byte[] {'y'}));
    } catch (java.io.IOException e) {
      assumeTrue(false, "no user xattrs on " + dir + ": " + e.getMessage());
    }

    LayerTree t = LayerDirScanner.scan(dir);

    LayerEntry e = t.root().find("f").entry();
    assertThat(e.uid()).isEqualTo(1000);
    assertThat(e.gid()).isEqualTo(100);
    assertThat(e.mode()).isEqualTo(0600);
    assertThat(t.root().find("d").opaque()).isNotNull();
  }

  /**
   * One image, one answer (issue 11): a layer with hard links gives the same sizes and efficiency read from its tar
   * and from the diff dir it was extracted into, where every name of the file used to count as a full-size file.
   */
  @Test
  void hardLinks_sameAnswerFromTheTarAndFromTheExtractedDir(@TempDir Path tmp) throws Exception {
    byte[] base = LayerTarBuilder.tar().dir("bin").file("bin/busybox", 1000).hardlink("bin/sh", "bin/busybox")
        .dir("usr").dir("usr/bin").hardlink("usr/bin/ls", "bin/busybox").file("etc-motd", "hello").bytes();
    byte[] top = LayerTarBuilder.tar().file("etc-motd", "changed!").dir("bin").file("bin/busybox", 1000)
        .hardlink("bin/sh", "bin/busybox").bytes();
    List<LayerInfo> infos = List.of(new LayerInfo(0, "sha256:00", "", -1, ""),
        new LayerInfo(1, "sha256:11", "", -1, "/bin/sh -c update"));
    List<LayerTree> fromTar = new java.util.ArrayList<>();
    List<LayerTree> fromDir = new java.util.ArrayList<>();
    int uid = (Integer) Files.getAttribute(tmp, "unix:uid");
    dev.lamina.layer.LayerExtractor x = new dev.lamina.layer.LayerExtractor(
        dev.lamina.layer.ExtractOptions.forUid(uid, new dev.lamina.layer.SysNodeOps()));
    int n = 0;
    for (byte[] layer : List.of(base, top)) {
      fromTar.add(new LayerScanner().scan(new java.io.ByteArrayInputStream(layer), "layer " + n));
      Path dir = tmp.resolve("l" + n++);
      x.extract(new java.io.ByteArrayInputStream(layer), dir);
      fromDir.add(LayerDirScanner.scan(dir));
    }
    for (int i = 0; i < 2; i++) {
      assertThat(fromDir.get(i).sizeBytes()).as("layer %d size", i).isEqualTo(fromTar.get(i).sizeBytes());
    }
    assertThat(fromDir.get(0).root().find("bin/sh").entry().kind()).isEqualTo(LayerEntry.Kind.HARDLINK);
    assertThat(fromDir.get(0).root().find("usr/bin/ls").entry().linkTarget()).isEqualTo("bin/busybox");
    EfficiencyResult a = LayerAnalysis.of("t", infos, fromTar).efficiency();
    EfficiencyResult b = LayerAnalysis.of("t", infos, fromDir).efficiency();
    assertThat(b.score()).isEqualTo(a.score());
    assertThat(b.wastedBytes()).isEqualTo(a.wastedBytes());
    assertThat(b.inefficient()).isEqualTo(a.inefficient());
  }
}
