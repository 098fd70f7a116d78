package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.cli.InProcessCli.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** load, images, rmi, prune, ps and rm through the command line, on the committed example image. */
class StoreCommandsTest {
  static final String EXAMPLE = "oci:src/example/busybox-layers:latest";

  @TempDir Path tmp;

  private Result lamina(String... args) {
    return InProcessCli.inStore(tmp.resolve("store"), args);
  }

  @Test
  void loadImagesRmiPrune() {
    Result load = lamina("load", EXAMPLE, "-t", "example:1");
    assertThat(load.code()).as(load.err()).isZero();
    assertThat(load.out().trim()).matches("sha256:[0-9a-f]{64}");
    assertThat(load.err()).contains("layer 2 of 3").contains("extracted");
    String id = load.out().trim().substring(7, 19);

    Result images = lamina("images");
    assertThat(images.out()).contains("REPOSITORY", "example", id, "3");
    assertThat(images.out().lines().filter(l -> l.startsWith("example")).findFirst().orElseThrow())
        .matches("example\\s+1\\s+" + id + "\\s+\\d+ years ago\\s+[0-9.]+MB\\s+3");

    Result again = lamina("load", id);
    assertThat(again.out().trim()).isEqualTo(load.out().trim());
    assertThat(again.err()).contains("already in the store");

    assertThat(lamina("rmi", "nope").err()).contains("no image named or with id 'nope'");
    Result rmi = lamina("rmi", "example:1");
    assertThat(rmi.out()).contains("Untagged: example:1", "Deleted: sha256:" + id, "Deleted layer: sha256:");
    assertThat(lamina("images", "-q").out()).isEmpty();
    assertThat(lamina("prune").out()).contains("Nothing to prune");
  }

  @Test
  void psAndRm() throws Exception {
    assertThat(lamina("load", "-q", EXAMPLE, "-t", "ex").code()).isZero();
    dev.lamina.layer.LayerStore s = dev.lamina.layer.LayerStore.open(tmp.resolve("store"));
    s.containers().createOrReuse("box", s.resolve("ex"));
    assertThat(lamina("ps").out()).contains("NAME", "box", "ex:latest");
    assertThat(lamina("rmi", "ex").err()).contains("used by container(s) box");
    assertThat(lamina("rm", "box").out().trim()).isEqualTo("box");
    assertThat(lamina("ps", "-q").out()).isEmpty();
    assertThat(lamina("rm", "box").err()).contains("no container named 'box'");
  }
}
