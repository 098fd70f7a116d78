package dev.lamina.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lamina.sys.FileNames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names that are not UTF-8 through {@code layers}, {@code diff} and the JSON export (issue 11): two such names
 * stay two entries, text output shows their bytes as {@code \xNN}, JSON escapes them reversibly, and the same image
 * read from its tars and from the extracted store dirs gives the same names.
 */
class LayerNamesTest {
  private static final String E9 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9});
  private static final String E8 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe8});

  /** A ustar layer whose names are the given bytes (ISO-8859-1 maps each char to one byte). */
  private static byte[] tar(String... nameAndContent) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes, "ISO-8859-1")) {
      for (int i = 0; i < nameAndContent.length; i += 2) {
        byte[] raw = FileNames.encode(nameAndContent[i]);
        TarArchiveEntry e = new TarArchiveEntry(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1));
        byte[] body = nameAndContent[i + 1].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        e.setSize(body.length);
        e.setMode(0100644);
        out.putArchiveEntry(e);
        out.write(body);
        out.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void namesThatAreNotUtf8_stayDistinctInLayersDiffAndJson(@TempDir Path tmp) throws Exception {
    List<byte[]> layers = List.of(tar(E9, "12345", E8, "1234567"), tar(E9, "changed"));
    List<LayerInfo> infos = List.of(new LayerInfo(0, "sha256:00", "", -1, ""),
        new LayerInfo(1, "sha256:11", "", -1, "/bin/sh -c edit"));
    List<LayerTree> fromTar = new ArrayList<>();
    List<LayerTree> fromDir = new ArrayList<>();
    int uid = (Integer) Files.getAttribute(tmp, "unix:uid");
    var x = new dev.lamina.layer.LayerExtractor(
        dev.lamina.layer.ExtractOptions.forUid(uid, new dev.lamina.layer.SysNodeOps()));
    for (int i = 0; i < layers.size(); i++) {
      fromTar.add(new LayerScanner().scan(new ByteArrayInputStream(layers.get(i)), "layer " + i));
      Path dir = tmp.resolve("l" + i);
      x.extract(new ByteArrayInputStream(layers.get(i)), dir);
      fromDir.add(LayerDirScanner.scan(dir));
    }
    for (List<LayerTree> trees : List.of(fromTar, fromDir)) {
      assertThat(trees.get(0).root().children()).extracting(LayerNode::name).containsExactlyInAnyOrder(E9, E8);
      assertThat(trees.get(0).root().find(E9).entry().size()).isEqualTo(5);
      assertThat(trees.get(0).root().find(E8).entry().size()).isEqualTo(7);
    }

    LayerAnalysis a = LayerAnalysis.of("t", infos, fromTar);
    String listing = LayerListing.render(LayerRow.ofChanges(a.changes(1), false), false, LayerListing.Sort.NAME);
    assertThat(listing).contains("/caf\\xe9").doesNotContain("\ufffd").doesNotContain("caf?");
    String all = LayerListing.render(LayerRow.ofChanges(a.changes(0), false), false, LayerListing.Sort.NAME);
    assertThat(all).contains("/caf\\xe9").contains("/caf\\xe8");

    String json = DiveJson.render(a, Efficiency.Mode.LAMINA);
    assertThat(json).contains("\"caf\\udce9\"").contains("\"caf\\udce8\"");
    JsonNode paths = new ObjectMapper().readTree(json).get("layer").get(0).get("fileList");
    List<String> names = new ArrayList<>();
    paths.forEach(n -> names.add(n.get("path").asText()));
    // the escapes read back into exactly the tar's bytes
    assertThat(names).contains(E9, E8);

    // lamina diff: the upper dir of a container that added caf\xe8 over a lower with caf\xe9
    List<String> warnings = new ArrayList<>();
    List<LayerContainerDiff.Change> diff = LayerContainerDiff.of(List.of(fromDir.get(1)), fromDir.get(0), warnings);
    assertThat(diff).extracting(Object::toString).contains("A /caf\\xe8");
  }
}
