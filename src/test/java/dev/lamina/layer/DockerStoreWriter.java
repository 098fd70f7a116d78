package dev.lamina.layer;

import dev.lamina.image.Digest;
import dev.lamina.image.Image;
import dev.lamina.image.ImageSource;
import dev.lamina.image.Layer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Writes an OCI layout's image into a Docker overlay2 store in Docker's layout (imagedb, layerdb with chain ids,
 * overlay2/CACHE/diff extracted by GNU tar), so that {@code docker-store:[ROOT]TAG} can load it in place. Whiteouts
 * stay as {@code .wh.} files: the tests that use it read plain files only.
 */
public final class DockerStoreWriter {
  private DockerStoreWriter() {}

  /** @return the diff dir of each layer, bottom first */
  public static List<Path> write(Path root, Path ociLayout, String ref, String tag) throws IOException, InterruptedException {
    Path images = root.resolve("image/overlay2");
    List<Path> diffs = new ArrayList<>();
    try (Image oci = ImageSource.open(ImageSource.parse("oci:" + ociLayout + ":" + ref), null)) {
      String id = oci.configDigest().hex();
      Files.createDirectories(images.resolve("imagedb/content/sha256"));
      Files.write(images.resolve("imagedb/content/sha256/" + id), oci.configBytes());
      Digest chain = null;
      int n = 0;
      for (Layer l : oci.layers()) {
        chain = chain == null ? l.diffId()
            : Digest.sha256Of((chain + " " + l.diffId()).getBytes(StandardCharsets.UTF_8));
        Path meta = Files.createDirectories(images.resolve("layerdb/sha256/" + chain.hex()));
        String cacheId = Digest.sha256Of(("cache" + n++).getBytes(StandardCharsets.UTF_8)).hex();
        Files.writeString(meta.resolve("diff"), l.diffId().toString());
        Files.writeString(meta.resolve("cache-id"), cacheId);
        Files.writeString(meta.resolve("size"), Long.toString(l.descriptor().size()));
        Path diff = Files.createDirectories(root.resolve("overlay2/" + cacheId + "/diff"));
        Path blob = ociLayout.resolve("blobs/sha256/" + l.descriptor().digest().hex());
        Process p = new ProcessBuilder("tar", "-xf", blob.toString(), "-C", diff.toString())
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new IOException("tar -xf " + blob + " failed: " + out);
        }
        diffs.add(diff);
      }
      Files.writeString(images.resolve("repositories.json"),
          "{\"Repositories\":{\"" + tag.substring(0, tag.lastIndexOf(':')) + "\":{\"" + tag + "\":\"sha256:" + id + "\"}}}");
    }
    return diffs;
  }
}
