package dev.lamina.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
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
}
