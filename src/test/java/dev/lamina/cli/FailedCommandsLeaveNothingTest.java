package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.cli.InProcessCli.Result;
import dev.lamina.layer.DockerStoreWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store commands through the command line: a mount that fails before it is live leaves no container, rmi -f of an
 * image in use untags it and rm of its last container removes it, and images says when layers are used in place.
 */
class FailedCommandsLeaveNothingTest {
  static final String EXAMPLE = "oci:src/example/busybox-layers:latest";

  @TempDir Path tmp;

  private Result lamina(String... args) {
    return InProcessCli.inStore(tmp.resolve("store"), args);
  }

  @Test
  void mountOnAMissingDirOrOnAFileLeavesNoContainer() throws Exception {
    assertThat(lamina("load", "-q", EXAMPLE, "-t", "ex").code()).isZero();
    Result missing = lamina("mount", "ex", tmp.resolve("does/not/exist").toString());
    assertThat(missing.code()).as(missing.err()).isNotZero();
    assertThat(missing.err()).contains(tmp.resolve("does/not/exist").toString());
    assertThat(lamina("ps", "-q").out()).as("no stray container").isEmpty();

    Path file = Files.writeString(tmp.resolve("file"), "x");
    Result onFile = lamina("mount", "ex", file.toString());
    assertThat(onFile.code()).as(onFile.err()).isNotZero();
    assertThat(lamina("ps", "-q").out()).as("no stray container").isEmpty();
    try (var l = Files.list(tmp.resolve("store/containers"))) {
      assertThat(l.filter(p -> !p.getFileName().toString().equals(".lock"))).as("no container dir").isEmpty();
    }
  }

  @Test
  void aFailedMountOfAKeptContainerKeepsItAndForgetsTheMountPoint() throws Exception {
    assertThat(lamina("load", "-q", EXAMPLE, "-t", "ex").code()).isZero();
    dev.lamina.layer.LayerStore s = dev.lamina.layer.LayerStore.open(tmp.resolve("store"));
    s.containers().createOrReuse("web", s.resolve("ex"));
    Files.writeString(s.containers().upperDir("web").resolve("kept"), "data");
    Result r = lamina("mount", "ex", tmp.resolve("nope").toString(), "--name", "web");
    assertThat(r.code()).isNotZero();
    assertThat(lamina("ps", "-q").out().trim()).isEqualTo("web");
    assertThat(s.containers().get("web").mountpoint()).isNull();
    assertThat(s.containers().upperDir("web").resolve("kept")).hasContent("data");
  }

  @Test
  void rmiForceOfAnImageInUseUntagsItAndRmOfItsContainerRemovesIt() throws Exception {
    Result load = lamina("load", "-q", EXAMPLE, "-t", "ex");
    String id = load.out().trim();
    dev.lamina.layer.LayerStore s = dev.lamina.layer.LayerStore.open(tmp.resolve("store"));
    s.containers().createOrReuse("box", s.resolve("ex"));
    Result rmi = lamina("rmi", "-f", "ex");
    assertThat(rmi.code()).as(rmi.err()).isZero();
    assertThat(rmi.out()).contains("Untagged: ex:latest", "Kept: " + id).doesNotContain("Deleted");
    assertThat(lamina("images").out()).contains("<none>", id.substring(7, 19));
    Result rm = lamina("rm", "box");
    assertThat(rm.out()).contains("box", "Deleted: " + id, "Deleted layer: ");
    assertThat(lamina("images", "-q").out()).isEmpty();
  }

  @Test
  void imagesSaysWhenLayersAreUsedInPlace() throws Exception {
    Path docker = tmp.resolve("docker");
    DockerStoreWriter.write(docker, Path.of("src/example/busybox-layers"), "latest", "example/busybox:1.0");
    Result load = lamina("load", "-q", "docker-store:[" + docker + "]example/busybox:1.0");
    assertThat(load.code()).as(load.err()).isZero();
    String row = lamina("images").out().lines().filter(l -> l.startsWith("example/busybox")).findFirst().orElseThrow();
    assertThat(row).contains("in place");
    Result inspect = lamina("inspect", "-f", "{{.GraphDriver.Data.InPlaceFrom}}", "example/busybox:1.0");
    assertThat(inspect.out().trim()).as(inspect.err()).isEqualTo("docker-store:[" + docker + "]example/busybox:1.0");

    assertThat(lamina("load", "-q", EXAMPLE, "-t", "example/busybox:1.0").code()).isZero();
    row = lamina("images").out().lines().filter(l -> l.startsWith("example/busybox")).findFirst().orElseThrow();
    assertThat(row).doesNotContain("in place").containsPattern("[0-9.]+MB");
  }
}
