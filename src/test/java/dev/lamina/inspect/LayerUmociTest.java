package dev.lamina.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.groups.Tuple.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.image.Image;
import dev.lamina.image.ImageSource;
import dev.lamina.testing.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers made by an independent tool: umoci unpacks a bundle, we change files in its rootfs with plain Java file
 * operations, and {@code umoci repack} turns the difference into a layer (its own whiteouts). Our per-layer A/M/R must
 * list exactly what we did, and the merged view must equal what {@code umoci unpack} extracts.
 */
class LayerUmociTest {
  @TempDir static Path work;
  static Path rootfs;
  static LayerAnalysis analysis;

  @BeforeAll
  static void buildImage() throws Exception {
    assumeTrue(exec(work, "umoci", "--version").startsWith("umoci"), "umoci is not installed");
    exec(work, "umoci", "init", "--layout", "img");
    exec(work, "umoci", "new", "--image", "img:t");
    // each layer: unpack the current image to a fresh bundle, change its rootfs, repack it as a new layer
    nextBundle("b0");
    // layer 0
    write("etc/a", "a".repeat(100));
    write("etc/b", "b");
    write("d/x", "x".repeat(200));
    write("d/sub/y", "y".repeat(300));
    write("keep", "k".repeat(10));
    Files.createSymbolicLink(rootfs.resolve("link"), Path.of("etc/a"));
    repack("b0");
    exec(work, "umoci", "tag", "--image", "img:t", "t0");

    nextBundle("b1");
    // layer 1: modify contents (same size), chmod, delete a directory and a file, add, retarget a symlink
    write("etc/a", "c".repeat(100));
    Files.setPosixFilePermissions(rootfs.resolve("etc/b"), PosixFilePermissions.fromString("rw-------"));
    deleteTree(rootfs.resolve("d"));
    Files.delete(rootfs.resolve("keep"));
    write("new/n", "new\n");
    Files.delete(rootfs.resolve("link"));
    Files.createSymbolicLink(rootfs.resolve("link"), Path.of("etc/b"));
    repack("b1");
    exec(work, "umoci", "tag", "--image", "img:t", "t1");

    nextBundle("b2");
    // layer 2: replace /etc by a new directory with other contents
    deleteTree(rootfs.resolve("etc"));
    write("etc/c", "c");
    repack("b2");
    exec(work, "umoci", "tag", "--image", "img:t", "t2");

    try (Image img = ImageSource.open(ImageSource.parse("oci:" + work.resolve("img") + ":t"), null)) {
      analysis = LayerImages.analyze(img, "umoci");
    }
  }

  @Test
  void commandsComeFromTheNonEmptyHistoryEntries() {
    assertThat(analysis.layers()).extracting(LayerInfo::createdBy).containsExactly("step b0", "step b1", "step b2");
  }

  @Test
  void layer1_listsExactlyWhatChanged() {
    assertThat(analysis.changes(1)).filteredOn(c -> c.type() != LayerDiffType.UNMODIFIED)
        .extracting(LayerChange::path, LayerChange::type, LayerChange::size).containsExactly(
            tuple("d", LayerDiffType.REMOVED, 500L),
            tuple("etc/a", LayerDiffType.MODIFIED, 100L),
            tuple("etc/b", LayerDiffType.MODIFIED, 1L),
            tuple("keep", LayerDiffType.REMOVED, 10L),
            tuple("link", LayerDiffType.MODIFIED, 0L),
            tuple("new", LayerDiffType.ADDED, 0L),
            tuple("new/n", LayerDiffType.ADDED, 4L));
  }

  @Test
  void layer2_replacedDirectory() {
    assertThat(analysis.changes(2)).filteredOn(c -> c.type() != LayerDiffType.UNMODIFIED)
        .extracting(LayerChange::path, LayerChange::type).containsExactly(
            tuple("etc/a", LayerDiffType.REMOVED),
            tuple("etc/b", LayerDiffType.REMOVED),
            tuple("etc/c", LayerDiffType.ADDED));
  }

  @Test
  void efficiency_byHand() {
    // umoci wrote layer 1 as .wh.d, etc/a, etc/b, .wh.keep, link, new/, new/n and layer 2 as etc/, etc/.wh.a,
    // etc/.wh.b, etc/c. Occurrences (dive): etc/a 100,100,0; etc/b 1,1,0; keep 10,0; link 0,0; d/x 200;
    // d/sub/y 300; /d 500 (a deleted dir is sized by what it held); new/n 4; etc/c 1
    // min: 0+0+0+0+200+300+500+4+1 = 1005; cumulative: 200+2+10+0+200+300+500+4+1 = 1217
    EfficiencyResult dive = analysis.diveEfficiency();
    assertThat(dive.score()).isCloseTo(1005.0 / 1217.0, within(1e-12));
    assertThat(dive.wastedBytes()).isEqualTo(200 + 2 + 10);
    // ours: the deleted /d counts its files instead: d/x 200,0; d/sub/y 300,0 (and no /d)
    // min: 0+0+0+0+0+0+4+1 = 5; cumulative: 200+2+10+0+200+300+4+1 = 717
    EfficiencyResult ours = analysis.efficiency();
    assertThat(ours.score()).isCloseTo(5.0 / 717.0, within(1e-12));
    assertThat(ours.wastedBytes()).isEqualTo(200 + 2 + 10 + 200 + 300);
  }

  @Test
  void mergedView_equalsUmociUnpack() throws Exception {
    unpack("check");
    Map<String, String> expected = walk(work.resolve("check/rootfs"));
    Map<String, String> actual = new TreeMap<>();
    analysis.aggregate(analysis.layers().size() - 1).root().visitParentFirst(n -> {
      if (n.parent() != null) {
        LayerEntry e = n.entry();
        actual.put(n.path(), e == null ? "d" : e.kind().letter() + (e.kind() == LayerEntry.Kind.FILE
            ? " " + e.size() : e.kind() == LayerEntry.Kind.SYMLINK ? " " + e.linkTarget() : ""));
      }
    });
    assertThat(actual).isEqualTo(expected);
  }

  /**
   * {@code podman image diff} of the image after each layer (podman compares an image with its parent) lists the
   * same added, changed and deleted paths, except changes podman cannot see (same size and mtime). Podman also marks directories whose mtime changed; those are left out of
   * the comparison (we compare type, contents, mode and owner, not times).
   */
  @Test
  void sameChangesAsPodmanImageDiff() throws Exception {
    assumeTrue(!exec(work, "podman", "--version").isEmpty(), "podman is not installed");
    Path store = work.resolve("podman");
    List<String> podman = List.of("podman", "--root", store.resolve("root").toString(), "--runroot",
        store.resolve("run").toString(), "--storage-driver", "vfs");
    assumePodmanWorks(podman);
    try {
      for (int layer = 1; layer <= 2; layer++) {
        String tag = "t" + layer;
        List<String> pull = new ArrayList<>(podman);
        pull.addAll(List.of("pull", "-q", "oci:" + work.resolve("img") + ":" + tag));
        String id = exec(work, pull.toArray(String[]::new)).strip();
        List<String> diff = new ArrayList<>(podman);
        diff.addAll(List.of("image", "diff", id));
        LayerAggregate merged = analysis.aggregate(layer);
        java.util.Set<String> theirs = new java.util.TreeSet<>();
        for (String line : exec(work, diff.toArray(String[]::new)).strip().split("\n")) {
          String path = line.substring(2).replaceFirst("^/", "");
          LayerNode n = merged.find(path);
          if (line.startsWith("C") && n != null && n.isDir()) {
            continue; // a directory whose mtime changed
          }
          theirs.add(line.charAt(0) + " /" + path);
        }
        java.util.Set<String> ours = new java.util.TreeSet<>();
        for (LayerChange c : analysis.changes(layer)) {
          boolean dir = c.entry() != null && c.entry().isDir();
          switch (c.type()) {
            case ADDED -> ours.add("A /" + c.path());
            case REMOVED -> ours.add("D /" + c.path());
            case MODIFIED -> {
              if (!dir) {
                ours.add("C /" + c.path());
              }
            }
            default -> { }
          }
        }
        // podman compares size and mtime only: a same-size rewrite or retargeted symlink made within the same
        // second as the original is invisible to it (we hash contents and link targets)
        assertThat(ours).as("layer %d vs podman image diff", layer).containsAll(theirs);
        java.util.Set<String> extra = new java.util.TreeSet<>(ours);
        extra.removeAll(theirs);
        assertThat(extra).as("layer %d: changes only we see", layer).isSubsetOf("C /etc/a", "C /link");
      }
    } finally {
      List<String> reset = new ArrayList<>(podman);
      reset.addAll(List.of("rmi", "-a", "-f"));
      exec(work, reset.toArray(String[]::new));
    }
  }

  private static Map<String, String> walk(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.equals(root)) {
          continue;
        }
        String rel = root.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.put(rel, "l " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          out.put(rel, "d");
        } else {
          out.put(rel, "- " + Files.size(p));
        }
      }
    }
    return out;
  }

  private static void write(String rel, String content) throws IOException {
    Path p = rootfs.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  private static boolean rootless() {
    return !"root".equals(System.getProperty("user.name"));
  }

  private static void unpack(String bundle) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("umoci", "unpack"));
    if (rootless()) {
      cmd.add("--rootless");
    }
    cmd.addAll(List.of("--image", "img:t", bundle));
    exec(work, cmd.toArray(String[]::new));
  }

  private static void repack(String bundle) throws Exception {
    exec(work, "umoci", "repack", "--image", "img:t", "--history.created_by", "step " + bundle, bundle);
    // a metadata-only step between layers: an empty_layer history entry, which must not shift the commands
    exec(work, "umoci", "config", "--image", "img:t", "--config.env", "STEP=" + bundle,
        "--history.created_by", "ENV STEP=" + bundle);
  }

  private static void nextBundle(String bundle) throws Exception {
    unpack(bundle);
    rootfs = work.resolve(bundle).resolve("rootfs");
  }

  private static String exec(Path dir, String... cmd) throws IOException, InterruptedException {
    // stdout only: warnings on stderr (rootless podman's about mount propagation) must not be parsed as output
    Exec r = Exec.run(dir, Duration.ofSeconds(60), List.of(cmd)).orElse(null);
    if (r == null) {
      return ""; // not installed
    }
    if (r.code() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (status " + r.code() + "): " + r.err() + r.out());
    }
    return r.out();
  }


  /** Skips, saying why, when podman is installed but cannot run here (rootless podman needs a user namespace). */
  static void assumePodmanWorks(List<String> podman) throws IOException, InterruptedException {
    List<String> info = new ArrayList<>(podman);
    info.addAll(List.of("info", "--format", "{{.Store.GraphDriverName}}"));
    Exec r = Exec.run(null, Duration.ofSeconds(60), info).orElseThrow();
    assumeTrue(r.code() == 0, "podman cannot run here: " + r.reason());
  }
}
