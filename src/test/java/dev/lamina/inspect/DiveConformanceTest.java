package dev.lamina.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lamina.image.Image;
import dev.lamina.image.ImageSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * dive's own test image (see src/test/resources/dev/lamina/inspect/dive/NOTICE) against the numbers dive's tests
 * publish for it: {@code image_archive_analysis_test.go} (efficiency 0.9844212134184309, size 1220598, user size
 * 66237, wasted 32025, user-wasted 0.4834911001404049) and the export snapshot (the three inefficient files, each
 * layer's digestId, size, command and file list). With --dive-compat lamina must give exactly these.
 */
class DiveConformanceTest {
  static final String IMAGE = "docker-archive:src/test/resources/dev/lamina/inspect/dive/test-docker-image.tar";
  static LayerAnalysis analysis;

  @BeforeAll
  static void analyse() throws Exception {
    try (Image img = ImageSource.open(ImageSource.parse(IMAGE), null)) {
      analysis = LayerImages.analyze(img, IMAGE);
    }
  }

  @Test
  void imageNumbers_equalDives() {
    EfficiencyResult dive = analysis.diveEfficiency();
    assertThat(dive.score()).isEqualTo(0.9844212134184309);
    assertThat(dive.wastedBytes()).isEqualTo(32025);
    assertThat(analysis.sizeBytes()).isEqualTo(1220598);
    assertThat(analysis.userSizeBytes()).isEqualTo(66237);
    assertThat(analysis.wastedUserRatio(Efficiency.Mode.DIVE)).isEqualTo(0.4834911001404049);
    assertThat(dive.inefficient()).extracting(EfficiencyPath::path, EfficiencyPath::count,
        EfficiencyPath::cumulativeSize).containsExactly(
            org.assertj.core.groups.Tuple.tuple("/root/saved.txt", 2, 12810L),
            org.assertj.core.groups.Tuple.tuple("/root/example/somefile1.txt", 2, 12810L),
            org.assertj.core.groups.Tuple.tuple("/root/example/somefile3.txt", 2, 6405L));
  }

  @Test
  void layers_equalDivesExport() throws Exception {
    JsonNode json = new ObjectMapper().readTree(DiveJson.render(analysis, Efficiency.Mode.DIVE));
    // index: digestId prefix, sizeBytes, fileList length, command prefix (from dive's export snapshot)
    Object[][] expected = {
        {"23bc2b70b201", 1154361, 415, "#(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e6"},
        {"a65b7d7ac139", 6405, 1, "#(nop) ADD file:139c3708fb6261126453e34483abd8bf7b26ed16d952"},
        {"93e208d47175", 0, 4, "mkdir -p /root/example/really/nested"},
        {"4abad3abe3cb", 6405, 3, "cp /somefile.txt /root/example/somefile1.txt"},
        {"14c9a6ffcb6a", 6405, 3, "chmod 444 /root/example/somefile1.txt"},
        {"778fb5770ef4", 6405, 3, "cp /somefile.txt /root/example/somefile2.txt"},
        {"f275b8a31a71", 6405, 3, "cp /somefile.txt /root/example/somefile3.txt"},
        {"dd1effc5eb19", 6405, 4, "mv /root/example/somefile3.txt /root/saved.txt"},
        {"8d1869a0a066", 6405, 2, "cp /root/saved.txt /root/.saved.txt"},
        {"bc2e36423fa3", 0, 2, "rm -rf /root/example/"},
        {"7f648d45ee7b", 2187, 4, "#(nop) ADD dir:7ec14b81316baa1a31c38c97686a8f030c98cba2035c9"},
        {"a4b8f95f266d", 6405, 2, "cp /root/saved.txt /tmp/saved.again1.txt"},
        {"22a44d45780a", 6405, 3, "cp /root/saved.txt /root/.data/saved.again2.txt"},
        {"ba689cac6a98", 6405, 2, "chmod +x /root/saved.txt"},
    };
    JsonNode layers = json.get("layer");
    assertThat(layers).hasSize(expected.length);
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < expected.length; i++) {
      JsonNode l = layers.get(i);
      String actual = l.get("digestId").asText().substring(7, 19) + " " + l.get("sizeBytes").asLong() + " "
          + l.get("fileList").size() + " " + l.get("command").asText();
      String want = expected[i][0] + " " + expected[i][1] + " " + expected[i][2] + " " + expected[i][3];
      if (!actual.startsWith(want)) {
        mismatches.add("layer " + i + ": " + actual + " != " + want);
      }
    }
    assertThat(mismatches).isEmpty();
    // the first entry of the base layer, field for field as dive exports it
    JsonNode first = layers.get(0).get("fileList").get(0);
    assertThat(first.toString()).isEqualTo("{\"path\":\"bin/[\",\"typeFlag\":48,\"linkName\":\"\",\"size\":1075464,"
        + "\"fileMode\":493,\"uid\":0,\"gid\":0,\"isDir\":false}");
    // a whiteout of a directory, and a directory (Go's os.ModeDir bit in fileMode)
    assertThat(layers.get(9).get("fileList").toString()).contains("\"path\":\"root/.wh.example\",\"typeFlag\":48");
    assertThat(json.get("image").get("efficiencyScore").asDouble()).isEqualTo(0.9844212134184309);
  }

  /**
   * Our rules differ on one thing here: layer 9 deletes /root/example, which still holds somefile1.txt (6405 bytes,
   * twice) and somefile2.txt (6405) and the empty really/nested. dive adds one occurrence of /root/example and wastes
   * nothing; we count each hidden file as deleted: somefile2.txt (6405) and really/nested (0) become wasted too.
   */
  @Test
  void ourRules_countTheDeletedDirectory() {
    EfficiencyResult ours = analysis.efficiency();
    assertThat(ours.wastedBytes()).isEqualTo(32025 + 6405);
    assertThat(ours.inefficient()).extracting(EfficiencyPath::path)
        .contains("/root/example/somefile2.txt", "/root/example/really/nested");
    assertThat(ours.score()).isLessThan(analysis.diveEfficiency().score());
  }
}
