package dev.lamina.layer;

import static dev.lamina.layer.TarBuilder.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lamina load} as separate processes on one store. Two loads of the same image at once both succeed and
 * extract each layer once. {@code kill -9} of a load in the middle of a layer: what is in {@code layers/} is complete, the
 * half-written layer is only in {@code tmp/}, no image is recorded; loading again succeeds and prune removes the
 * leftovers.
 */
class LoadProcessesIT {
  @TempDir Path tmp;

  private static long count(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().endsWith(".lock")).count();
    }
  }

  @Test
  void twoProcessesLoadingTheSameImageAtOnceBothSucceed() throws Exception {
    Path jar = Path.of(System.getProperty("lamina.home", ".")).resolve("target/lamina.jar");
    assumeTrue(Files.isRegularFile(jar), "needs target/lamina.jar (mvn package)");
    Random rnd = new Random(5);
    List<byte[]> layers = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      TarBuilder t = tar();
      for (int i = 0; i < 150; i++) {
        byte[] b = new byte[30_000];
        rnd.nextBytes(b);
        t.file("l" + l + "/f" + i, b, 0644);
      }
      layers.add(t.bytes());
    }
    OciLayoutWriter.write(tmp.resolve("img"), "x", layers);
    Path store = tmp.resolve("store");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<Process> ps = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      ps.add(new ProcessBuilder(java, "-XX:+UseSerialGC", "-jar", jar.toString(), "load", "-q", "--root", store.toString(),
          "oci:" + tmp.resolve("img") + ":x", "-t", "conc:" + i).redirectError(tmp.resolve("err" + i + ".txt").toFile()).start());
    }
    List<String> ids = new ArrayList<>();
    for (Process p : ps) {
      try {
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        ids.add(out);
      } finally {
        p.destroyForcibly();
      }
    }
    assertThat(ids.get(0)).startsWith("sha256:").isEqualTo(ids.get(1));
    assertThat(count(store.resolve("layers"))).isEqualTo(3);
    assertThat(count(store.resolve("tmp"))).isZero();
    LayerStore s = LayerStore.open(store, TestOps.options());
    assertThat(s.images()).hasSize(1);
    assertThat(s.images().get(0).repoTags()).containsExactlyInAnyOrder("conc:0", "conc:1");
  }

  @Test
  void aKilledLoadLeavesNothingThatLooksComplete() throws Exception {
    Path jar = Path.of(System.getProperty("lamina.home", ".")).resolve("target/lamina.jar");
    assumeTrue(Files.isRegularFile(jar), "needs target/lamina.jar (mvn package)");
    Random rnd = new Random(3);
    List<byte[]> layers = new ArrayList<>();
    int files = 600;
    for (int l = 0; l < 3; l++) {
      TarBuilder t = tar();
      for (int i = 0; i < files; i++) {
        byte[] b = new byte[40_000];
        rnd.nextBytes(b); // incompressible: the layer takes a while to extract
        t.file("l" + l + "/f" + i, b, 0644);
      }
      layers.add(t.bytes());
    }
    OciLayoutWriter.write(tmp.resolve("img"), "x", layers);
    Path store = tmp.resolve("store");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-jar", jar.toString(), "load", "-q", "--root", store.toString(),
        "oci:" + tmp.resolve("img") + ":x").redirectErrorStream(true).redirectOutput(tmp.resolve("out.txt").toFile()).start();
    try {
      // wait until the second layer is being extracted (one committed, one in tmp/), then kill -9
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline && p.isAlive()) {
        if (Files.isDirectory(store.resolve("tmp")) && count(store.resolve("layers")) >= 1 && count(store.resolve("tmp")) == 1) {
          break;
        }
        Thread.sleep(20);
      }
      assumeTrue(p.isAlive(), "the load finished before it could be killed");
      new ProcessBuilder("kill", "-9", String.valueOf(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
      p.waitFor(30, TimeUnit.SECONDS);
    } finally {
      p.destroyForcibly();
    }
    LayerStore s = LayerStore.open(store, TestOps.options());
    assertThat(s.images()).as("no image recorded").isEmpty();
    try (Stream<Path> st = Files.list(store.resolve("layers"))) {
      for (Path d : (Iterable<Path>) st::iterator) {
        if (d.getFileName().toString().endsWith(".lock")) {
          continue;
        }
        assertThat(d.resolve("layer.json")).as("a committed layer is complete: " + d).isRegularFile();
        try (Stream<Path> l = Files.list(d.resolve("diff"))) {
          Path top = l.findFirst().orElseThrow();
          assertThat(count(top)).as("all files of " + d).isEqualTo(files);
        }
      }
    }
    assertThat(count(store.resolve("tmp"))).as("the interrupted layer is in tmp/ only").isEqualTo(1);

    StoredImage img = StoreImages.ensure(s, "oci:" + tmp.resolve("img") + ":x", null, LoadListener.NONE);
    assertThat(img.layers()).hasSize(3);
    for (Path d : s.lowerDirs(img)) {
      assertThat(d).isDirectory();
    }
    assertThat(s.prune()).hasSize(1).allMatch(l -> l.startsWith("Removed interrupted extraction"));
    assertThat(count(store.resolve("tmp"))).isZero();
  }
}
