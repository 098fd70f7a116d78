package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lamina.conformance.Fixture;
import dev.lamina.conformance.FsDriver;
import dev.lamina.conformance.Scenario;
import dev.lamina.conformance.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The differential suite's driver on a plain directory: exact errnos, snapshots, upper-dir normalization. */
class FsDriverTest {

  @TempDir Path dir;

  @BeforeAll
  static void needsPython() {
    assumeTrue(Shell.onPath("python3") || Files.isExecutable(Path.of("/usr/bin/python3")),
        "the differential driver needs python3");
  }

  private static FsDriver.Result run(Path root, Scenario.Builder b, boolean snapshot, Path upper)
      throws IOException {
    return FsDriver.run(root, b.build().steps(), snapshot, upper);
  }

  @Test
  void reportsExactErrnoPerStep() throws IOException {
    FsDriver.Result r = run(dir, Scenario.named("t", "").op("create", "a", "x").op("create", "a", "y")
        .op("unlink", "missing").op("mkdir", "n".repeat(256)).op("rmdir", "a")
        .op("rename", "a", "b", 1 /* RENAME_NOREPLACE */).op("read", "b"), false, null);
    assertThat(r.steps()).extracting(FsDriver::outcome)
        .containsExactly("ok", "EEXIST", "ENOENT", "ENAMETOOLONG", "ENOTDIR", "ok", "ok");
    assertThat(r.steps().get(6).get("ok").asText()).isEqualTo("x");
  }

  @Test
  void snapshotRecordsMetadataContentsAndFixedTimes() throws IOException {
    FsDriver.Result r = run(dir, Scenario.named("t", "").op("mkdir", "d", "0750")
        .op("create", "d/f", "hello", "0600").op("symlink", "d/f", "l")
        .op("setxattr", "d/f", "user.k", "v").op("settimes_all", Fixture.T0_NS)
        .op("create", "fresh", "now"), true, null);
    JsonNode f = r.tree().get("/d/f");
    assertThat(f.get("type").asText()).isEqualTo("file");
    assertThat(f.get("mode").asText()).isEqualTo("0600");
    assertThat(f.get("content").asText()).isEqualTo("hello");
    assertThat(f.get("xattrs").get("user.k").asText()).isEqualTo("v");
    assertThat(f.get("mtime").asText()).isEqualTo(Long.toString(Fixture.T0_NS));
    assertThat(r.tree().get("/fresh").get("mtime").asText()).isEqualTo("recent");
    assertThat(r.tree().get("/l").get("target").asText()).isEqualTo("d/f");
    assertThat(r.tree().get("/").get("entries").toString()).isEqualTo("[\"d\",\"fresh\",\"l\"]");
  }

  @Test
  void upperViewTreatsBothWhiteoutAndOpaqueFormatsAlike() throws IOException {
    Path upper = Files.createDirectory(dir.resolve("upper"));
    run(upper, Scenario.named("t", "").op("create", ".wh.gone", "").op("mkdir", "o")
        .op("create", "o/.wh..wh..opq", "").op("setxattr", "o", "user.overlay.opaque", "y")
        .op("mkdir", "plain"), false, null);
    FsDriver.Result r = FsDriver.run(dir, List.of(), false, upper);
    assertThat(r.upper().get("/gone").get("type").asText()).isEqualTo("whiteout");
    assertThat(r.upper().get("/o").get("opaque").asBoolean()).isTrue();
    assertThat(r.upper().get("/o").get("entries").toString()).isEqualTo("[]");
    assertThat(r.upper().get("/plain").get("opaque").asBoolean()).isFalse();
    assertThat(r.upper().get("/").get("entries").toString()).isEqualTo("[\"gone\",\"o\",\"plain\"]");
  }

  @Test
  void readdirInvariantsHoldOnAPlainDirectory() throws IOException {
    Scenario.Builder b = Scenario.named("t", "").op("mkdir", "m");
    for (int i = 0; i < 20; i++) {
      b.op("create", "m/e" + i, "");
    }
    b.op("readdir_during_changes", "m", 96, List.of(FsDriver.sub("unlink", "m/e3"),
        FsDriver.sub("create", "m/new", ""))).op("readdir_seek", "m", 96);
    FsDriver.Result r = run(dir, b, false, null);
    JsonNode during = r.steps().get(21).get("ok");
    assertThat(during.get("duplicates").size()).isZero();
    assertThat(during.get("missing_stable").size()).isZero();
    assertThat(during.get("never_existed").size()).isZero();
    JsonNode seek = r.steps().get(22).get("ok");
    assertThat(seek.get("tail_equal").asBoolean()).isTrue();
    assertThat(seek.get("full").size()).isEqualTo(20);
  }
}
