package dev.lamina.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.image.Image;
import dev.lamina.image.ImageSource;
import dev.lamina.image.Layer;
import dev.lamina.image.LayerTarStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lamina's extraction against an independent tool: an image built with GNU tar and umoci
 * (make-store-test-image.sh: setuid, owners, devices, fifo, hard links, xattrs, long names, whiteouts, opaque
 * dirs) is unpacked by {@code umoci unpack} and by lamina, and the presented trees must be identical (type, mode,
 * owner, size, content hash, link target, device numbers, user xattrs, mtimes of non-directories). lamina is
 * checked twice: the layers applied flat, and the store's diff dirs mounted with the kernel's overlayfs.
 */
class StoreVsUmociIT {
  @TempDir static Path tmp;
  static Path image;
  static Map<String, String> umoci;

  static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  static boolean has(String tool) {
    return Files.isExecutable(Path.of("/usr/bin", tool)) || Files.isExecutable(Path.of("/usr/sbin", tool));
  }

  @BeforeAll
  static void buildAndUnpack() throws Exception {
    assumeTrue(TestOps.euid() == 0, "the test image has devices and owners: needs root");
    assumeTrue(has("umoci") && has("setfattr") && Files.isExecutable(Path.of("/bin/busybox")), "needs umoci, attr, busybox-static");
    image = tmp.resolve("img");
    Path script = Path.of("src/test/resources/dev/lamina/layer/make-store-test-image.sh");
    run("bash", script.toString(), image.toString());
    run("umoci", "unpack", "--image", image + ":latest", tmp.resolve("bundle").toString());
    umoci = PresentedTree.of(tmp.resolve("bundle/rootfs"));
    assertThat(umoci).containsKeys("dev/sda", "srv/fifo", "etc/shared.link2", "var/lib/app/cache/c2")
        .doesNotContainKeys("etc/issue", "usr/share/deep", "var/lib/app/cache/c1", "bin/cat");
  }

  @Test
  void flatApplyMatchesUmociUnpack() throws Exception {
    Path flat = Files.createDirectory(tmp.resolve("flat"));
    LayerExtractor x = new LayerExtractor(TestOps.options().withWhiteouts(new WhiteoutFormat.ApplyWhiteouts()));
    try (Image img = ImageSource.open(ImageSource.parse("oci:" + image + ":latest"), null)) {
      for (Layer l : img.layers()) {
        try (LayerTarStream in = ((Layer.Blob) l).openTar()) {
          x.apply(in, flat);
        }
      }
    }
    assertThat(PresentedTree.of(flat)).isEqualTo(umoci);
    assertThat(umoci.get("dev/sda")).startsWith("block 0660 0:6 dev=8:0");
    assertThat(umoci.get("bin/su-like")).startsWith("file 4755 0:0");
    assertThat(Files.isRegularFile(flat.resolve("dev/sda"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
        .as("lamina never creates a real device").isTrue();
    assertThat(Files.getAttribute(flat.resolve("etc/shared.link2"), "unix:ino"))
        .isEqualTo(Files.getAttribute(flat.resolve("opt/data/shared"), "unix:ino"));
  }

  @Test
  void storeLayersMountedWithKernelOverlayfsMatchUmociUnpack() throws Exception {
    LayerStore store = LayerStore.open(tmp.resolve("store"), TestOps.options());
    StoredImage img;
    try (Image i = ImageSource.open(ImageSource.parse("oci:" + image + ":latest"), null)) {
      img = store.load(i, List.of("test:1"), LoadListener.NONE);
    }
    assertThat(overlayTree(store, img, "mnt")).isEqualTo(umoci);
  }

  @Test
  void containersStorageLayersAreUsedInPlace() throws Exception {
    assumeTrue(has("buildah"), "needs buildah");
    Path root = tmp.resolve("cs-root");
    Path runroot = tmp.resolve("cs-run");
    run("buildah", "--root", root.toString(), "--runroot", runroot.toString(), "--storage-driver", "overlay",
        "pull", "-q", "oci:" + image + ":latest");
    LayerStore store = LayerStore.open(tmp.resolve("store-cs"), TestOps.options());
    StoredImage img;
    try (Image i = ImageSource.open(ImageSource.parse("containers-storage:[" + root + "]"), null)) {
      img = store.load(i, List.of("cs:1"), LoadListener.NONE);
    }
    try (var s = Files.list(tmp.resolve("store-cs/layers"))) {
      assertThat(s).as("nothing extracted").isEmpty();
    }
    for (Path d : store.lowerDirs(img)) {
      assertThat(d).startsWith(root);
    }
    assertThat(overlayTree(store, img, "mnt-cs")).isEqualTo(umoci);
  }

  @Test
  void laminaMountOfTheImageMatchesUmociUnpack() throws Exception {
    Path launcher = Path.of(System.getProperty("lamina.home", ".")).resolve("scripts/lamina");
    assumeTrue(Files.isRegularFile(launcher.resolveSibling("../target/lamina.jar").normalize())
        && Files.exists(Path.of("/dev/fuse")) && has("fusermount3"), "needs target/lamina.jar, /dev/fuse, fusermount3");
    Path store = tmp.resolve("store-fuse");
    Path mnt = Files.createDirectory(tmp.resolve("mnt-fuse"));
    try {
      run(launcher.toString(), "mount", "--root", store.toString(), "--read-only", "oci:" + image + ":latest", mnt.toString());
      assertThat(PresentedTree.of(mnt)).isEqualTo(umoci);
    } finally {
      new ProcessBuilder("fusermount3", "-u", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
    // a named container keeps its upper dir across mounts; the lower layers stay untouched
    Map<String, String> lowerBefore = TreeState.of(store.resolve("layers"));
    try {
      run(launcher.toString(), "mount", "--root", store.toString(), "--name", "box", "oci:" + image + ":latest", mnt.toString());
      Files.writeString(mnt.resolve("etc/motd"), "changed in the container\n");
      Files.delete(mnt.resolve("etc/tagged"));
    } finally {
      new ProcessBuilder("fusermount3", "-u", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(store.resolve("containers/box/upper/etc/motd")).hasContent("changed in the container");
    try {
      run(launcher.toString(), "mount", "--root", store.toString(), "--name", "box", "oci:" + image + ":latest", mnt.toString());
      assertThat(mnt.resolve("etc/motd")).hasContent("changed in the container");
      assertThat(mnt.resolve("etc/tagged")).doesNotExist();
    } finally {
      new ProcessBuilder("fusermount3", "-u", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(TreeState.of(store.resolve("layers"))).as("lower layers are never modified").isEqualTo(lowerBefore);
  }

  /** The image's layers mounted read-only with the kernel's overlayfs, described; skipped when mount fails. */
  private static Map<String, String> overlayTree(LayerStore store, StoredImage img, String name) throws Exception {
    return PresentedTree.ofKernelOverlay(store.lowerDirs(img), Files.createDirectory(tmp.resolve(name)));
  }
}
