package dev.lamina.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lamina.image.Image;
import dev.lamina.image.ImageSource;
import dev.lamina.testing.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example image's layer with a whiteout and an opaque directory, against {@code podman image diff}: a copy of
 * the layout gets a second image made of the first two layers only, so podman (which compares an image with its
 * parent) reports exactly what layer 1 did.
 */
class LayerPodmanTest {
  static final Path EXAMPLE = Path.of("src/example/busybox-layers");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path work;

  @Test
  void opaqueAndWhiteoutLayer_matchesPodman() throws Exception {
    assumeTrue(!exec("podman", "--version").isEmpty(), "podman is not installed");
    Path layout = work.resolve("layout");
    copyTree(EXAMPLE, layout);
    addTruncatedImage(layout, 2, "two");

    LayerAnalysis a;
    try (Image img = ImageSource.open(ImageSource.parse("oci:" + EXAMPLE + ":latest"), null)) {
      a = LayerImages.analyze(img, "example");
    }
    List<String> podman = List.of("podman", "--root", work.resolve("root").toString(), "--runroot",
        work.resolve("run").toString(), "--storage-driver", "vfs");
    LayerUmociTest.assumePodmanWorks(podman);
    try {
      String id = exec(concat(podman, "pull", "-q", "oci:" + layout + ":two")).strip();
      Set<String> theirs = new TreeSet<>();
      LayerAggregate merged = a.aggregate(1);
      for (String line : exec(concat(podman, "image", "diff", id)).strip().split("\\n")) {
        String path = line.substring(2).replaceFirst("^/", "");
        LayerNode n = merged.find(path);
        if (line.startsWith("C") && n != null && n.isDir()) {
          continue; // directories whose mtime changed: we do not compare times
        }
        theirs.add(line.charAt(0) + " /" + path);
      }
      Set<String> ours = new TreeSet<>();
      for (LayerChange c : a.changes(1)) {
        switch (c.type()) {
          case ADDED -> ours.add("A /" + c.path());
          case REMOVED -> ours.add("D /" + c.path());
          case MODIFIED -> ours.add("C /" + c.path());
          default -> { }
        }
      }
      // layer 1: modifies /etc/motd, deletes /etc/issue, makes /opt/app/data opaque (old/ and version hidden, a
      // new version and new.txt added)
      // podman compares size and mtime only: version went from "v1" to "v2" with the same size and the fixed
      // timestamp make-example-image gives every file, so only we see that change
      assertThat(ours).containsAll(theirs);
      Set<String> extra = new TreeSet<>(ours);
      extra.removeAll(theirs);
      assertThat(extra).containsExactly("C /opt/app/data/version");
      assertThat(ours).contains("D /etc/issue", "C /etc/motd", "D /opt/app/data/old", "A /opt/app/data/new.txt");
    } finally {
      exec(concat(podman, "rmi", "-a", "-f"));
    }
  }

  /** Writes a manifest and config with the first {@code n} layers of the layout's image, tagged {@code tag}. */
  private static void addTruncatedImage(Path layout, int n, String tag) throws Exception {
    ObjectNode index = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
    JsonNode desc = index.get("manifests").get(0);
    ObjectNode manifest = (ObjectNode) JSON.readTree(blob(layout, desc.get("digest").asText()));
    ObjectNode config = (ObjectNode) JSON.readTree(blob(layout, manifest.get("config").get("digest").asText()));
    truncate((ArrayNode) manifest.get("layers"), n);
    truncate((ArrayNode) config.get("rootfs").get("diff_ids"), n);
    ArrayNode history = (ArrayNode) config.get("history");
    truncate(history, n); // the example's history has no empty_layer entries
    byte[] configBytes = JSON.writeValueAsBytes(config);
    ObjectNode cd = (ObjectNode) manifest.get("config");
    cd.put("digest", put(layout, configBytes));
    cd.put("size", configBytes.length);
    byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
    ObjectNode md = ((ObjectNode) desc).deepCopy();
    md.put("digest", put(layout, manifestBytes));
    md.put("size", manifestBytes.length);
    ((ObjectNode) md.get("annotations")).put("org.opencontainers.image.ref.name", tag);
    ((ArrayNode) index.get("manifests")).add(md);
    JSON.writeValue(layout.resolve("index.json").toFile(), index);
  }

  private static void truncate(ArrayNode a, int n) {
    while (a.size() > n) {
      a.remove(a.size() - 1);
    }
  }

  private static byte[] blob(Path layout, String digest) throws IOException {
    return Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())));
  }

  private static String put(Path layout, byte[] bytes) throws Exception {
    String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    Files.write(layout.resolve("blobs/sha256").resolve(hex), bytes);
    return "sha256:" + hex;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  private static String[] concat(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static String exec(String... cmd) throws IOException, InterruptedException {
    // stdout only: warnings on stderr (rootless podman's about mount propagation) must not be parsed as output
    Exec r = Exec.run(null, Duration.ofSeconds(120), List.of(cmd)).orElse(null);
    if (r == null) {
      return ""; // not installed
    }
    if (r.code() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (status " + r.code() + "): " + r.err() + r.out());
    }
    return r.out();
  }

}
