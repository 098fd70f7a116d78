package dev.lamina.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.image.Image;
import dev.lamina.image.ImageSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the store keeps while something uses it: no command deletes a layer an image or a container still uses
 * ({@code rmi -f} of an image in use only untags it, as Docker does), an image loaded again from another
 * engine's store keeps lamina's own layers, and an image used in place says what to do when its dir is gone.
 */
class StoreReferencesTest {
  static final Path EXAMPLE = Path.of("src/example/busybox-layers");
  static final String REF = "oci:" + EXAMPLE + ":latest";

  @TempDir Path tmp;

  private LayerStore store() throws IOException {
    return LayerStore.open(tmp.resolve("store"), TestOps.options());
  }

  private static StoredImage load(LayerStore s, String ref, String... tags) throws IOException {
    try (Image img = ImageSource.open(ImageSource.parse(ref), null)) {
      return s.load(img, List.of(tags), LoadListener.NONE);
    }
  }

  @Test
  void rmiForceOfAnImageAContainerUsesOnlyUntagsItAndItGoesWithTheContainer() throws IOException {
    LayerStore s = store();
    StoredImage a = load(s, REF, "ex:1");
    s.containers().createOrReuse("box", a);
    List<Path> dirs = s.lowerDirs(a);

    assertThatThrownBy(() -> s.remove("ex:1", false)).hasMessageContaining("used by container(s) box");
    List<String> rmi = s.remove("ex:1", true);
    assertThat(rmi).contains("Untagged: ex:1").noneMatch(l -> l.startsWith("Deleted"));
    assertThat(rmi.get(rmi.size() - 1)).contains("Kept: " + a.id(), "box");
    assertThat(dirs).allMatch(Files::isDirectory);
    assertThat(s.find("ex:1")).as("untagged").isNull();
    StoredImage kept = s.find(a.id());
    assertThat(kept.repoTags()).isEmpty();
    assertThat(kept.removed()).isNotNull();

    assertThat(s.prune()).as("prune keeps what the container uses").isEmpty();
    assertThat(dirs).allMatch(Files::isDirectory);
    assertThat(s.mountableLowerDirs(kept)).isEqualTo(dirs);

    List<String> rm = s.containers().remove("box");
    assertThat(rm).contains("Deleted: " + a.id()).filteredOn(l -> l.startsWith("Deleted layer")).hasSize(3);
    assertThat(dirs).noneMatch(Files::exists);
    assertThat(s.images()).isEmpty();
  }

  @Test
  void aLayerSharedWithAnImageRmiForceRemovedStaysForTheOtherImage() throws IOException {
    LayerStore s = store();
    StoredImage a = load(s, REF, "ex:1");
    s.containers().createOrReuse("box", a);
    s.remove("ex:1", true);
    // the same image again under a new name revives it: it is no longer marked removed
    StoredImage b = load(s, REF, "ex:2");
    assertThat(b.removed()).isNull();
    s.containers().remove("box");
    assertThat(s.find("ex:2")).isNotNull();
    assertThat(s.lowerDirs(b)).allMatch(Files::isDirectory);
  }

  @Test
  void pruneRemovesAnImageRmiForceRemovedOnceNoContainerUsesIt() throws IOException {
    LayerStore s = store();
    StoredImage a = load(s, REF, "ex:1");
    s.containers().createOrReuse("box", a);
    s.remove("ex:1", true);
    // the container went without lamina rm (a lamina killed while removing it)
    Trees.deleteRecursively(s.root().resolve("containers/box"));
    List<String> pruned = s.prune();
    assertThat(pruned).contains("Deleted: " + a.id()).filteredOn(l -> l.startsWith("Deleted layer")).hasSize(3);
    assertThat(s.images()).isEmpty();
    assertThat(s.root().resolve("layers")).isEmptyDirectory();
  }

  @Test
  void noContainerIsMadeForAnImageRemovedSinceItWasResolved() throws IOException {
    LayerStore s = store();
    StoredImage a = load(s, REF, "ex:1");
    // a `lamina run ex:1` resolved the image, then an rmi ran before it created its container
    s.remove("ex:1", false);
    assertThatThrownBy(() -> s.containers().claim("box", a))
        .hasMessageContaining("image " + a.shortId() + " was removed from the store")
        .hasMessageContaining("load it again");
    assertThat(s.containers().list()).isEmpty();
    assertThat(s.root().resolve("containers/box")).doesNotExist();
  }

  @Test
  void anImageLoadedFromAnArchiveKeepsItsOwnLayersWhenLoadedAgainFromAnotherEnginesStore() throws Exception {
    LayerStore s = store();
    StoredImage a = load(s, REF, "ex:1");
    List<Path> own = s.lowerDirs(a);
    Path docker = tmp.resolve("docker");
    DockerStoreWriter.write(docker, EXAMPLE, "latest", "example/busybox:1.0");

    StoredImage b = load(s, "docker-store:[" + docker + "]example/busybox:1.0");
    assertThat(b.id()).isEqualTo(a.id());
    assertThat(b.layers()).allMatch(l -> l.dir() == null);
    assertThat(b.usesLayersInPlace()).isFalse();
    assertThat(s.lowerDirs(b)).isEqualTo(own);
    assertThat(b.repoTags()).contains("ex:1", "example/busybox:1.0");
    assertThat(s.prune()).as("lamina's own copies are still used").isEmpty();
    assertThat(own).allMatch(Files::isDirectory);

    // the other engine removes its image: lamina's is unaffected
    Trees.deleteRecursively(docker);
    assertThat(s.mountableLowerDirs(s.resolve("example/busybox:1.0"))).isEqualTo(own);
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  private String buildah(Path root, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("buildah", "--root", root.toString(), "--runroot",
        tmp.resolve("run").toString(), "--storage-driver", "overlay"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(cmd + " failed: " + out);
    }
    return out;
  }

  /** The case with a real containers-storage store: buildah rmi after lamina loaded the image from it. */
  @Test
  void anImageLoadedFromAnArchiveStillMountsAfterTheOtherEngineRemovedIt() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(onPath("buildah") && TestOps.euid() == 0,
        "buildah as root is needed to make a containers-storage store");
    Path root = tmp.resolve("storage");
    try {
      buildah(root, "pull", "-q", REF);
    } catch (IOException e) {
      org.junit.jupiter.api.Assumptions.assumeTrue(false, "buildah cannot make an overlay store here: " + e.getMessage());
    }
    LayerStore s = store();
    StoredImage a = load(s, REF, "ex:1");
    List<Path> own = s.lowerDirs(a);
    StoredImage b = load(s, "containers-storage:[" + root + "]" + a.shortId());
    assertThat(b.id()).isEqualTo(a.id());
    assertThat(s.lowerDirs(b)).isEqualTo(own);
    assertThat(s.prune()).isEmpty();
    buildah(root, "rmi", "-f", a.shortId());
    assertThat(s.mountableLowerDirs(s.resolve("ex:1"))).isEqualTo(own);
    assertThat(own).allMatch(Files::isDirectory);
  }

  @Test
  void aMissingLayerUsedInPlaceIsAnErrorThatNamesTheImageTheDirAndWhatToDo() throws Exception {
    LayerStore s = store();
    Path docker = tmp.resolve("docker");
    List<Path> diffs = DockerStoreWriter.write(docker, EXAMPLE, "latest", "example/busybox:1.0");
    String ref = "docker-store:[" + docker + "]example/busybox:1.0";
    StoredImage img = load(s, ref);
    assertThat(img.usesLayersInPlace()).isTrue();
    assertThat(s.lowerDirs(img)).isEqualTo(diffs.stream().map(p -> p.toAbsolutePath().normalize()).toList());
    assertThat(s.mountableLowerDirs(img)).hasSize(3);

    Trees.deleteRecursively(diffs.get(1));
    assertThatThrownBy(() -> s.mountableLowerDirs(img))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("image example/busybox:1.0 (" + img.shortId() + ")")
        .hasMessageContaining(diffs.get(1).toAbsolutePath().normalize() + " is gone")
        .hasMessageContaining("lamina load");
    // inspect, layers and diff open a stored image the same way: the same error, not a bare ENOENT
    assertThatThrownBy(() -> StoreImages.open(s, img, ImageSource.parse("example/busybox:1.0"), null))
        .hasMessageContaining(diffs.get(1).toAbsolutePath().normalize() + " is gone");

    // loading it from an archive copies it in: no layer is used in place any more
    StoredImage copied = load(s, REF);
    assertThat(copied.id()).isEqualTo(img.id());
    assertThat(copied.usesLayersInPlace()).isFalse();
    assertThat(s.mountableLowerDirs(copied)).allMatch(d -> d.startsWith(s.root()));
  }
}
