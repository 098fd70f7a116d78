package dev.lamina.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docker save archives whose metadata points outside the archive (manifest paths with '..' or absolute ones,
 * links that climb out) are refused with an error naming the path; nothing outside the archive is read.
 */
class HostileMetadataTest {
  @TempDir Path tmp;

  static final String CONFIG = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
      + "\"diff_ids\":[\"sha256:" + "ab".repeat(32) + "\"]}}";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("dot-dot layer", "../../../../etc/passwd", null, "leaves the image ('..')"),
        Arguments.of("absolute layer", "/etc/passwd", null, "which is empty or absolute"),
        Arguments.of("symlink out", "l/layer.tar", "../../../../etc/passwd", "is a link that leaves the archive"),
        Arguments.of("absolute symlink stays inside", "l/layer.tar", "/etc/passwd", "is missing from archive"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void refused(String name, String layerPath, String linkTarget, String message) throws Exception {
    Path archive = tmp.resolve("evil.tar");
    Map<String, String> files = new LinkedHashMap<>();
    files.put("config.json", CONFIG);
    files.put("manifest.json",
        "[{\"Config\":\"config.json\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\"" + layerPath + "\"]}]");
    write(archive, files, linkTarget == null ? null : layerPath, linkTarget);
    assertThatThrownBy(() -> {
          try (Image img = ImageSource.open(new ImageReference.DockerArchive(archive, null), null)) {
            try (var in = ((Layer.Blob) img.layers().get(0)).openTar()) {
              in.transferTo(OutputStream.nullOutputStream());
            }
          }
        })
        .isInstanceOf(ImageException.class)
        .hasMessageContaining(message);
  }

  static void write(Path archive, Map<String, String> files, String linkName, String linkTarget) throws IOException {
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(archive))) {
      for (Map.Entry<String, String> f : files.entrySet()) {
        byte[] b = f.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
      }
      if (linkName != null) {
        TarArchiveEntry l = new TarArchiveEntry(linkName, TarConstants.LF_SYMLINK);
        l.setLinkName(linkTarget);
        tar.putArchiveEntry(l);
        tar.closeArchiveEntry();
      }
    }
    assertThat(Files.size(archive)).isPositive();
  }
}
