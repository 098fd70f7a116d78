package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lamina.cli.InProcessCli.Result;
import dev.lamina.image.Digest;
import dev.lamina.image.TestImages;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code lamina inspect} against {@code skopeo inspect --config} of the same image, in every format. */
class InspectCommandTest {
  private static final ObjectMapper M = new ObjectMapper();

  static Result lamina(String... args) {
    return InProcessCli.run(args);
  }

  static byte[] skopeo(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "inspect"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd)).isZero();
    return out;
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiterString = "=>", value = {
      "oci:%s/oci:latest => ''",
      "oci-archive:%s/image.oci.tar => ''",
      "docker-archive:%s/image.docker.tar => ''",
      "docker-archive:%s/image.docker25.tar => ''",
      "dir:%s/dir-v2s2 => ''",
      "oci:%s/oci-zstd:latest => ''",
      "oci:%s/multi:latest => linux/arm64/v8",
      "oci:%s/multi:latest => linux/amd64"})
  void matchesSkopeoInspectConfig(String pattern, String platform) throws Exception {
    assumeTrue(TestImages.dir() != null);
    String ref = pattern.formatted(TestImages.dir());
    List<String> largs = new ArrayList<>(List.of("inspect"));
    List<String> sargs = new ArrayList<>(List.of("--config"));
    if (!platform.isEmpty()) {
      largs.addAll(List.of("--platform", platform));
      String[] p = platform.split("/");
      sargs.addAll(List.of("--override-os", p[0], "--override-arch", p[1]));
      if (p.length > 2) {
        sargs.addAll(List.of("--override-variant", p[2]));
      }
    }
    largs.add(ref);
    Result r = lamina(largs.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode arr = M.readTree(r.out());
    assertThat(arr.isArray()).isTrue();
    assertThat(arr.size()).isEqualTo(1);
    JsonNode li = arr.get(0);

    sargs.add(ref);
    byte[] rawConfig = skopeo(concat(sargs, "--raw"));
    JsonNode sc = M.readTree(skopeo(sargs.toArray(String[]::new)));
    assertThat(li.get("Id").asText()).isEqualTo(Digest.sha256Of(rawConfig).toString());
    JsonNode c = sc.get("config");
    JsonNode lc = li.get("Config");
    for (String f : List.of("User", "Env", "Entrypoint", "Cmd", "WorkingDir", "Labels", "StopSignal",
        "ExposedPorts", "Volumes")) {
      JsonNode expected = c.get(f);
      JsonNode actual = lc.get(f);
      if (expected == null || expected.isNull()) {
        assertThat(actual == null || actual.isNull() || actual.asText().isEmpty()).as(f).isTrue();
      } else {
        assertThat(actual).as(f).isEqualTo(expected);
      }
    }
    assertThat(li.get("Architecture").asText()).isEqualTo(sc.get("architecture").asText());
    assertThat(li.get("Os").asText()).isEqualTo(sc.get("os").asText());
    assertThat(li.get("Created").asText()).isEqualTo(sc.get("created").asText());
    assertThat(li.get("Author").asText()).isEqualTo(sc.get("author").asText());
    assertThat(li.get("RootFS").get("Type").asText()).isEqualTo(sc.get("rootfs").get("type").asText());
    assertThat(li.get("RootFS").get("Layers")).isEqualTo(sc.get("rootfs").get("diff_ids"));
    List<String> created = new ArrayList<>();
    sc.get("history").forEach(h -> created.add(h.get("created_by").asText()));
    List<String> lcreated = new ArrayList<>();
    li.get("History").forEach(h -> lcreated.add(h.get("CreatedBy").asText()));
    assertThat(lcreated).isEqualTo(created);
    assertThat(li.get("Size").asLong()).isEqualTo(fileBytesByGnuTar());
    assertThat(li.get("GraphDriver").get("Name").asText()).isEqualTo("lamina");
  }

  /** The content bytes of the example image's regular files, as GNU tar lists them (docker's measure of Size). */
  static long fileBytesByGnuTar() throws Exception {
    long total = 0;
    JsonNode index = M.readTree(TestImages.path("oci-plain").resolve("index.json").toFile());
    String manifest = index.get("manifests").get(0).get("digest").asText().substring(7);
    JsonNode m = M.readTree(TestImages.path("oci-plain").resolve("blobs/sha256/" + manifest).toFile());
    for (JsonNode l : m.get("layers")) {
      Process p = new ProcessBuilder("tar", "-tvf",
          TestImages.path("oci-plain").resolve("blobs/sha256/" + l.get("digest").asText().substring(7)).toString())
          .start();
      for (String line : new String(p.getInputStream().readAllBytes()).split("\n")) {
        if (line.startsWith("-")) {
          total += Long.parseLong(line.trim().split("\\s+")[2]);
        }
      }
      assertThat(p.waitFor()).isZero();
    }
    return total;
  }

  @Test
  void aLoadedImageShowsItsStoreDirsAndResolvesByName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    String root = tmp.resolve("store").toString();
    String ref = "oci:" + TestImages.path("oci") + ":latest";
    Result load = lamina("load", "--root", root, "-q", "-t", "example/busybox:1.0", ref);
    assertThat(load.code()).as(load.err()).isZero();
    Result byName = lamina("inspect", "--root", root, "example/busybox:1.0");
    assertThat(byName.code()).as(byName.err()).isZero();
    JsonNode li = M.readTree(byName.out()).get(0);
    String lower = li.get("GraphDriver").get("Data").get("LowerDir").asText();
    String[] dirs = lower.split(":");
    assertThat(dirs).hasSize(3);
    // top first: the top layer's dir holds layer 3's file
    assertThat(java.nio.file.Files.exists(java.nio.file.Path.of(dirs[0], "usr/local/bin/hello"))).isTrue();
    assertThat(java.nio.file.Files.exists(java.nio.file.Path.of(dirs[2], "bin/busybox"))).isTrue();
    assertThat(li.get("Size").asLong()).isEqualTo(fileBytesByGnuTar());
    assertThat(li.get("RepoTags").toString()).contains("example/busybox:1.0");
    // the same image by its file reference shows the same store dirs, since it is loaded
    Result byFile = lamina("inspect", "--root", root, "-f", "{{.GraphDriver.Data.LowerDir}} {{.Id}}", ref);
    assertThat(byFile.out()).isEqualTo(lower + " " + li.get("Id").asText() + "\n");
    Result missing = lamina("inspect", "--root", tmp.resolve("nostore").toString(), "busybox:nope");
    assertThat(missing.code()).isNotZero();
    assertThat(missing.err()).contains("there is no store at");
  }

  private static String[] concat(List<String> a, String b) {
    List<String> l = new ArrayList<>(a);
    l.add(0, b);
    return l.toArray(String[]::new);
  }

  @Test
  void formatPrintsGoValues() throws Exception {
    String ref = "oci:" + TestImages.path("oci") + ":latest";
    Result r = lamina("inspect", "--format", "{{.Config.Cmd}}|{{json .Config.Cmd}}|{{.Config.ExposedPorts}}|"
        + "{{len .RootFS.Layers}}|{{.Config.Entrypoint}}", ref);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(
        "[/bin/sh -c cat /etc/motd]|[\"/bin/sh\",\"-c\",\"cat /etc/motd\"]|map[8080/tcp:{}]|3|[]\n");
    Result tags = lamina("inspect", "-f", "{{.RepoTags}}",
        "docker-archive:" + TestImages.path("image.docker.tar") + ":example/busybox:1.0");
    assertThat(tags.out()).isEqualTo("[docker.io/example/busybox:1.0]\n");
  }

  @Test
  void severalImagesGiveOneObjectEachAndMissingOnesAreReported() throws Exception {
    Result r = lamina("inspect", "oci:" + TestImages.path("oci"), "oci:/nonexistent",
        "docker-archive:" + TestImages.path("image.docker.tar"));
    assertThat(r.code()).isEqualTo(1);
    JsonNode arr = M.readTree(r.out());
    assertThat(arr.size()).isEqualTo(2);
    assertThat(arr.get(0).get("Id")).isEqualTo(arr.get(1).get("Id"));
    assertThat(r.err()).contains("/nonexistent is not a directory");
    Result f = lamina("inspect", "-f", "{{.Os}}", "oci:" + TestImages.path("oci"), "oci:" + TestImages.path("oci-zstd"));
    assertThat(f.out()).isEqualTo("linux\nlinux\n");
  }

  @Test
  void errorsAreOneLineAndExitNonZero() throws Exception {
    Result bad = lamina("inspect", "-f", "{{.Nope}}", "oci:" + TestImages.path("oci"));
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("can't evaluate field Nope");
    Result platform = lamina("inspect", "--platform", "linux/s390x", "oci:" + TestImages.path("multi"));
    assertThat(platform.code()).isNotZero();
    assertThat(platform.err()).contains("platforms present: linux/amd64, linux/arm64/v8");
    Result missing = lamina("inspect", "oci:/nonexistent/dir");
    assertThat(missing.err()).startsWith("lamina: /nonexistent/dir is not a directory");
  }
}
