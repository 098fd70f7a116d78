package dev.lamina.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images already extracted by other engines: a real containers-storage overlay store made by {@code buildah pull}
 * (as root), and a Docker overlay2 store written here with Docker's documented layout (Docker is not installed:
 * the JSON/metadata files are written as dockerd writes them, the diff dirs are extracted with GNU tar and, as
 * root, their whiteouts turned into the 0/0 devices and opaque xattrs dockerd makes).
 */
class StoreFormatsTest {
  @TempDir Path tmp;

  private static String run(Path cwd, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  @Test
  void readsAContainersStorageStoreMadeByBuildah() throws Exception {
    assumeTrue(TestImages.onPath("buildah") && "root".equals(System.getProperty("user.name")),
        "buildah as root is needed to make a containers-storage store");
    Path root = tmp.resolve("storage");
    Path runroot = tmp.resolve("run");
    String expectedId;
    List<Digest> diffIds;
    try (Image oci = ImageSource.open(ImageSource.parse("oci:" + TestImages.path("oci") + ":latest"), null)) {
      expectedId = oci.id();
      diffIds = oci.config().diffIds();
    }
    // buildah names an oci: image after its path, which must be lowercase: the checkout's path may not be
    Path layout = Files.createSymbolicLink(tmp.resolve("oci"), TestImages.path("oci"));
    try {
      run(tmp, "buildah", "--root", root.toString(), "--runroot", runroot.toString(), "--storage-driver", "overlay",
          "pull", "-q", "oci:" + layout + ":latest");
      run(tmp, "buildah", "--root", root.toString(), "--runroot", runroot.toString(), "--storage-driver", "overlay",
          "tag", expectedId.substring(7), "example/busybox:1.0");
    } catch (IOException e) {
      assumeTrue(false, "buildah cannot make an overlay store here: " + e.getMessage());
    }
    for (String text : List.of(
        "containers-storage:[" + root + "]example/busybox:1.0",
        "containers-storage:[overlay@" + root + "+" + runroot + "]" + expectedId.substring(7, 19),
        "containers-storage:[" + root + "]")) {
      try (Image img = ImageSource.open(ImageSource.parse(text), null)) {
        assertThat(img.id()).as(text).isEqualTo(expectedId);
        assertThat(img.repoTags()).contains("localhost/example/busybox:1.0");
        assertThat(img.repoDigests()).contains("localhost/example/busybox@" + img.manifestDescriptor().digest());
        assertThat(img.layers()).extracting(Layer::diffId).isEqualTo(diffIds);
        assertThat(img.layers()).allMatch(l -> l instanceof Layer.DiffDir);
        Layer.DiffDir l2 = (Layer.DiffDir) img.layers().get(1);
        assertThat(Files.readString(l2.dir().resolve("etc/motd"))).contains("modified in layer 2");
        // containers-storage keeps whiteouts as 0/0 char devices: not a regular file
        assertThat(Files.exists(l2.dir().resolve("etc/issue"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.isRegularFile(l2.dir().resolve("etc/issue"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
      }
    }
    assertThatThrownBy(() -> ImageSource.open(ImageSource.parse("containers-storage:[" + root + "]nope:1"), null))
        .hasMessageContaining("no image named or with id 'nope:1'")
        .hasMessageContaining(expectedId.substring(7, 19));
  }

  /** Turns OCI whiteouts into overlay2's on-disk form, as dockerd stores them: 0/0 char devices, opaque xattr. */
  private void overlayWhiteouts(Path diff) throws Exception {
    List<Path> whiteouts;
    try (var s = Files.walk(diff)) {
      whiteouts = s.filter(p -> p.getFileName().toString().startsWith(".wh.")).toList();
    }
    for (Path w : whiteouts) {
      Files.delete(w);
      String name = w.getFileName().toString();
      if (name.equals(".wh..wh..opq")) {
        run(tmp, "setfattr", "-n", "trusted.overlay.opaque", "-v", "y", w.getParent().toString());
      } else {
        run(tmp, "mknod", w.resolveSibling(name.substring(4)).toString(), "c", "0", "0");
      }
    }
  }

  @Test
  void readsADockerOverlay2Store() throws Exception {
    Path root = tmp.resolve("docker");
    Path images = root.resolve("image/overlay2");
    String id;
    List<Digest> diffIds;
    try (Image oci = ImageSource.open(ImageSource.parse("oci:" + TestImages.path("oci-plain") + ":latest"), null)) {
      id = oci.configDigest().hex();
      diffIds = oci.config().diffIds();
      Files.createDirectories(images.resolve("imagedb/content/sha256"));
      Files.write(images.resolve("imagedb/content/sha256/" + id), oci.configBytes());
      Digest chain = null;
      int n = 0;
      for (Layer l : oci.layers()) {
        chain = chain == null ? l.diffId()
            : Digest.sha256Of((chain + " " + l.diffId()).getBytes(StandardCharsets.UTF_8));
        Path meta = Files.createDirectories(images.resolve("layerdb/sha256/" + chain.hex()));
        String cacheId = HexFormat.of().formatHex(Digest.sha256Of(("cache" + n++).getBytes()).hex().getBytes())
            .substring(0, 64);
        Files.writeString(meta.resolve("diff"), l.diffId().toString());
        Files.writeString(meta.resolve("cache-id"), cacheId);
        Files.writeString(meta.resolve("size"), Long.toString(l.descriptor().size()));
        Path diff = Files.createDirectories(root.resolve("overlay2/" + cacheId + "/diff"));
        Path tar = TestImages.path("oci-plain").resolve("blobs/sha256/" + l.descriptor().digest().hex());
        run(tmp, "tar", "-xf", tar.toString(), "-C", diff.toString());
        if ("root".equals(System.getProperty("user.name"))) {
          overlayWhiteouts(diff);
        }
      }
    }
    Files.writeString(images.resolve("repositories.json"),
        "{\"Repositories\":{\"example/busybox\":{\"example/busybox:1.0\":\"sha256:" + id + "\","
            + "\"example/busybox@sha256:" + "12".repeat(32) + "\":\"sha256:" + id + "\"}}}");
    List<String> refs = new ArrayList<>(List.of(
        "docker-store:[" + root + "]example/busybox:1.0",
        "docker-store:[" + root + "]docker.io/example/busybox:1.0",
        "docker-store:[" + root + "]" + id.substring(0, 12),
        "docker-store:[" + root + "]sha256:" + id,
        "docker-store:[" + root + "]"));
    for (String text : refs) {
      try (Image img = ImageSource.open(ImageSource.parse(text), null)) {
        assertThat(img.configDigest().hex()).as(text).isEqualTo(id);
        assertThat(img.repoTags()).containsExactly("example/busybox:1.0");
        assertThat(img.repoDigests()).containsExactly("example/busybox@sha256:" + "12".repeat(32));
        assertThat(img.layers()).extracting(Layer::diffId).isEqualTo(diffIds);
        Layer.DiffDir l2 = (Layer.DiffDir) img.layers().get(1);
        assertThat(Files.readString(l2.dir().resolve("etc/motd"))).contains("modified in layer 2");
        if ("root".equals(System.getProperty("user.name"))) {
          Path issue = l2.dir().resolve("etc/issue"); // the 0/0 char device, exposed as it is
          assertThat(Files.exists(issue, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
          assertThat(Files.isRegularFile(issue, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        } else {
          assertThat(l2.dir().resolve("etc/.wh.issue")).exists();
        }
      }
    }
    // a layerdb entry whose diff does not match the config is refused
    Digest chain0 = diffIds.get(0);
    Files.writeString(images.resolve("layerdb/sha256/" + chain0.hex() + "/diff"), "sha256:" + "00".repeat(32));
    assertThatThrownBy(() -> ImageSource.open(ImageSource.parse(refs.get(0)), null))
        .isInstanceOf(BlobMismatchException.class)
        .hasMessageContaining("layer 0 (" + chain0 + ")");
    assertThatThrownBy(() -> ImageSource.open(ImageSource.parse("docker-store:[" + tmp + "]x"), null))
        .hasMessageContaining("is not a Docker store with the overlay2 driver");
  }
}
