package dev.lamina.layer;

import static dev.lamina.layer.TarBuilder.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.image.Image;
import dev.lamina.image.ImageSource;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layer store on real directories with real OCI layouts (the committed example image and layouts built here). */
class LayerStoreTest {
  static final Path EXAMPLE = Path.of("src/example/busybox-layers");

  @TempDir Path tmp;

  private LayerStore store() throws IOException {
    return LayerStore.open(tmp.resolve("store"), TestOps.options());
  }

  private static StoredImage load(LayerStore s, String ref, String... tags) throws IOException {
    try (Image img = ImageSource.open(ImageSource.parse(ref), null)) {
      return s.load(img, List.of(tags), LoadListener.NONE);
    }
  }

  private static List<Path> children(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().endsWith(".lock")).toList();
    }
  }

  @Test
  void loadsTheExampleImageOnceAndSharesItsLayers() throws IOException {
    LayerStore s = store();
    StoredImage a = load(s, "oci:" + EXAMPLE + ":latest", "example:v1");
    assertThat(a.layers()).hasSize(3);
    for (Path d : s.lowerDirs(a)) {
      assertThat(d).isDirectory();
    }
    Path busybox = s.lowerDirs(a).get(0).resolve("bin/busybox");
    assertThat(busybox).isRegularFile();
    Object ino = Files.getAttribute(busybox, "unix:ino");

    StoredImage again = load(s, "oci:" + EXAMPLE + ":latest");
    assertThat(again.id()).isEqualTo(a.id());
    assertThat(again.repoTags()).contains("example:v1");
    assertThat(Files.getAttribute(busybox, "unix:ino")).as("not extracted again").isEqualTo(ino);
    assertThat(children(tmp.resolve("store/layers"))).hasSize(3);
    assertThat(children(tmp.resolve("store/tmp"))).isEmpty();
    assertThat(s.images()).hasSize(1);
    assertThat(s.layerInfo(a.layers().get(0).diffId()).entries()).isGreaterThan(20);
  }

  @Test
  void whiteoutsAndOpaqueDirsOfTheExampleAreInOverlayFormAsRoot() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(TestOps.euid() == 0, "the overlay form needs root");
    LayerStore s = store();
    StoredImage a = load(s, "oci:" + EXAMPLE + ":latest");
    Path l2 = s.lowerDirs(a).get(1);
    Path issue = l2.resolve("etc/issue");
    assertThat((Integer) Files.getAttribute(issue, "unix:mode", LinkOption.NOFOLLOW_LINKS) & OverrideStat.S_IFMT)
        .isEqualTo(OverrideStat.S_IFCHR);
    assertThat(Xattrs.get(l2.resolve("opt/app/data"), "trusted.overlay.opaque")).isEqualTo("y");
    assertThat(s.lowerDirs(a).get(2).resolve("var/www")).exists();
  }

  @Test
  void sharedBottomLayerIsStoredOnce() throws IOException {
    byte[] base = tar().dir("etc", 0755).file("etc/os-release", "base", 0644).bytes();
    OciLayoutWriter.write(tmp.resolve("a"), "a", List.of(base, tar().file("a.txt", "a", 0644).bytes()));
    OciLayoutWriter.write(tmp.resolve("b"), "b", List.of(base, tar().file("b.txt", "b", 0644).bytes()));
    LayerStore s = store();
    StoredImage a = load(s, "oci:" + tmp.resolve("a") + ":a", "img-a");
    StoredImage b = load(s, "oci:" + tmp.resolve("b") + ":b", "img-b");
    assertThat(s.lowerDirs(a).get(0)).isEqualTo(s.lowerDirs(b).get(0));
    assertThat(children(tmp.resolve("store/layers"))).hasSize(3);

    assertThat(s.remove("img-a", false)).contains("Deleted: " + a.id());
    assertThat(s.lowerDirs(b).get(0)).as("still used by b").isDirectory();
    assertThat(s.lowerDirs(a).get(1)).doesNotExist();
    assertThat(children(tmp.resolve("store/layers"))).hasSize(2);
  }

  @Test
  void twoLoadsOfTheSameImageAtOnceBothSucceed() throws Exception {
    List<byte[]> layers = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      TarBuilder t = tar();
      for (int i = 0; i < 400; i++) {
        t.file("d" + l + "/f" + i, ("content " + l + " " + i).repeat(50), 0644);
      }
      layers.add(t.bytes());
    }
    OciLayoutWriter.write(tmp.resolve("img"), "x", layers);
    LayerStore s = store();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Callable<StoredImage> job = () -> load(LayerStore.open(tmp.resolve("store"), TestOps.options()), "oci:" + tmp.resolve("img") + ":x", "conc:1");
      Future<StoredImage> f1 = pool.submit(job);
      Future<StoredImage> f2 = pool.submit(job);
      assertThat(f1.get().id()).isEqualTo(f2.get().id());
    } finally {
      pool.shutdownNow();
    }
    assertThat(children(tmp.resolve("store/layers"))).hasSize(3);
    assertThat(children(tmp.resolve("store/tmp"))).isEmpty();
    assertThat(s.images()).hasSize(1);
    assertThat(s.lowerDirs(s.resolve("conc:1")).get(2).resolve("d2/f399")).hasContent("content 2 399".repeat(50));
  }

  @Test
  void aCorruptLayerCommitsNothing() throws IOException {
    byte[] big = new byte[200_000];
    new java.util.Random(1).nextBytes(big);
    OciLayoutWriter.write(tmp.resolve("img"), "x",
        List.of(tar().file("ok", "fine", 0644).bytes(), tar().file("random", big, 0644).bytes()));
    // flip a byte in the middle of the biggest blob
    Path biggest;
    try (Stream<Path> st = Files.list(tmp.resolve("img/blobs/sha256"))) {
      biggest = st.max((x, y) -> Long.compare(x.toFile().length(), y.toFile().length())).orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(biggest.toFile(), "rw")) {
      f.seek(f.length() / 2);
      int b = f.read();
      f.seek(f.length() / 2);
      f.write(b ^ 0xff);
    }
    LayerStore s = store();
    assertThatThrownBy(() -> load(s, "oci:" + tmp.resolve("img") + ":x")).hasMessageContaining(biggest.getFileName().toString().substring(0, 12));
    assertThat(children(tmp.resolve("store/layers"))).as("only the good first layer").hasSize(1);
    assertThat(children(tmp.resolve("store/tmp"))).isEmpty();
    assertThat(s.images()).isEmpty();
  }

  @Test
  void aHostileLayerCommitsNothingAndNamesTheEntry() throws IOException {
    OciLayoutWriter.write(tmp.resolve("img"), "x", List.of(tar().symlink("/etc", "e").file("e/passwd", "pwned", 0644).bytes()));
    LayerStore s = store();
    assertThatThrownBy(() -> load(s, "oci:" + tmp.resolve("img") + ":x")).isInstanceOf(UnsafeEntryException.class)
        .hasMessageContaining("\"e/passwd\"");
    assertThat(children(tmp.resolve("store/layers"))).isEmpty();
    assertThat(children(tmp.resolve("store/tmp"))).isEmpty();
  }

  @Test
  void anInterruptedExtractionNeverLooksCompleteAndPruneCleansIt() throws IOException {
    byte[] l1 = tar().file("f", "x", 0644).bytes();
    OciLayoutWriter.write(tmp.resolve("img"), "x", List.of(l1));
    String diffId = OciLayoutWriter.sha256(l1);
    LayerStore s = store();
    // what a killed load leaves: a half-written extraction in tmp/ (never in layers/)
    Path partial = tmp.resolve("store/tmp").resolve(LayerStore.hex(diffId) + "-killed");
    Files.createDirectories(partial.resolve("diff"));
    Files.writeString(partial.resolve("diff/f"), "");
    assertThat(s.hasLayer(diffId)).isFalse();
    StoredImage img = load(s, "oci:" + tmp.resolve("img") + ":x");
    assertThat(s.lowerDirs(img).get(0).resolve("f")).hasContent("x");
    assertThat(s.prune()).containsExactly("Removed interrupted extraction: " + partial.getFileName());
    assertThat(children(tmp.resolve("store/tmp"))).isEmpty();
    assertThat(s.hasLayer(diffId)).isTrue();
  }

  @Test
  void pruneRemovesLayersNoImageUses() throws IOException {
    LayerStore s = store();
    StoredImage a = load(s, "oci:" + EXAMPLE + ":latest", "ex:1");
    s.index().delete(a); // as if its image record were removed by hand
    List<String> done = s.prune();
    assertThat(done).hasSize(3).allMatch(l -> l.startsWith("Deleted layer: sha256:"));
    assertThat(children(tmp.resolve("store/layers"))).isEmpty();
  }

  @Test
  void namesIdsAndTags() throws IOException {
    LayerStore s = store();
    StoredImage a = load(s, "oci:" + EXAMPLE + ":latest", "docker.io/library/example:1.0", "other");
    assertThat(s.resolve("example:1.0").id()).isEqualTo(a.id());
    assertThat(s.resolve("other").id()).as("other = other:latest").isEqualTo(a.id());
    assertThat(s.resolve(a.hex().substring(0, 6)).id()).isEqualTo(a.id());
    assertThat(s.resolve(a.id()).id()).isEqualTo(a.id());
    assertThatThrownBy(() -> s.resolve("nope")).isInstanceOf(StoreException.class).hasMessageContaining("no image named");
    assertThat(s.remove("other", false)).containsExactly("Untagged: other:latest");
    assertThat(s.resolve(a.shortId()).repoTags()).doesNotContain("other:latest").contains("example:1.0");
  }

  @Test
  void tagsMoveToTheImageLoadedLast() throws IOException {
    OciLayoutWriter.write(tmp.resolve("a"), "a", List.of(tar().file("a", "a", 0644).bytes()));
    OciLayoutWriter.write(tmp.resolve("b"), "b", List.of(tar().file("b", "b", 0644).bytes()));
    LayerStore s = store();
    StoredImage a = load(s, "oci:" + tmp.resolve("a") + ":a", "app:latest");
    StoredImage b = load(s, "oci:" + tmp.resolve("b") + ":b", "app:latest");
    assertThat(s.resolve("app").id()).isEqualTo(b.id());
    assertThat(s.resolve(a.shortId()).repoTags()).doesNotContain("app:latest");
  }

  @Test
  void containersKeepTheirUpperDirByName() throws IOException {
    LayerStore s = store();
    StoredImage a = load(s, "oci:" + EXAMPLE + ":latest", "ex:1");
    Containers cs = s.containers();
    ContainerInfo c = cs.createOrReuse("web", a);
    Files.writeString(cs.upperDir("web").resolve("changed"), "hello");
    assertThat(cs.createOrReuse("web", a)).isEqualTo(c);
    assertThat(cs.upperDir("web").resolve("changed")).hasContent("hello");
    assertThat(cs.workDir("web")).isDirectory();
    assertThat(cs.list()).extracting(ContainerInfo::name).containsExactly("web");
    assertThat(cs.upperSize("web")).isEqualTo(5);
    assertThatThrownBy(() -> s.remove("ex:1", false)).hasMessageContaining("used by container(s) web");
    assertThatThrownBy(() -> cs.createOrReuse("../x", a)).hasMessageContaining("invalid container name");
    cs.remove("web");
    assertThat(cs.list()).isEmpty();
    assertThat(s.remove("ex:1", false)).contains("Deleted: " + a.id());
  }

  @Test
  void defaultRootFollowsPodmansConvention() {
    assertThat(LayerStore.defaultRoot(Map.of("LAMINA_ROOT", "/x"), 1000)).isEqualTo(Path.of("/x"));
    assertThat(LayerStore.defaultRoot(Map.of(), 0)).isEqualTo(Path.of("/var/lib/lamina"));
    assertThat(LayerStore.defaultRoot(Map.of("XDG_DATA_HOME", "/home/u/.data"), 1000)).isEqualTo(Path.of("/home/u/.data/lamina"));
    assertThat(LayerStore.defaultRoot(Map.of(), 1000).toString()).endsWith(".local/share/lamina");
  }

}
