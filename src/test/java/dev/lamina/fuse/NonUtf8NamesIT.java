package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.sys.FileNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Names are bytes through the mount too (issue 11): lower names that are not UTF-8 are listed, looked up and read
 * as they are, and names made through the mount reach the upper dir byte for byte (they used to become "caf?").
 */
class NonUtf8NamesIT {
  @RegisterExtension final FuseFixture fx = new FuseFixture();

  private static final String E9 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9});
  private static final String E8 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe8});
  private static final String E7 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe7});

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(FileNames::fileName).collect(Collectors.toSet());
    }
  }

  private static String lsB(Path dir) throws Exception {
    Process p = new ProcessBuilder("ls", "-b", dir.toString()).start();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void namesThatAreNotUtf8_passThroughTheMountByteForByte() throws Exception {
    Files.write(FileNames.resolve(fx.lower(), E9), "e9".getBytes(StandardCharsets.US_ASCII));
    Files.write(FileNames.resolve(fx.lower(), E8), "e8".getBytes(StandardCharsets.US_ASCII));
    Files.createSymbolicLink(FileNames.resolve(fx.lower(), "link"), FileNames.resolve(Path.of(""), E9));
    fx.mountOverlay(false);

    assertThat(names(fx.mnt())).containsExactlyInAnyOrder(E9, E8, "link");
    assertThat(Files.readString(FileNames.resolve(fx.mnt(), E9))).isEqualTo("e9");
    assertThat(Files.readString(FileNames.resolve(fx.mnt(), E8))).isEqualTo("e8");
    assertThat(FileNames.of(Files.readSymbolicLink(FileNames.resolve(fx.mnt(), "link")))).isEqualTo(E9);
    assertThat(lsB(fx.mnt())).contains("caf\\351").contains("caf\\350");

    Files.write(FileNames.resolve(fx.mnt(), E7), "e7".getBytes(StandardCharsets.US_ASCII));
    Files.delete(FileNames.resolve(fx.mnt(), E8));
    assertThat(names(fx.mnt())).containsExactlyInAnyOrder(E9, E7, "link");
    assertThat(lsB(fx.upper())).contains("caf\\347").doesNotContain("caf?");
    assertThat(Files.readString(FileNames.resolve(fx.upper(), E7))).isEqualTo("e7");
  }
}
