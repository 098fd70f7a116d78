package dev.lamina.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names are bytes: every byte sequence round-trips, and paths made from names hold exactly those bytes. */
class FileNamesTest {

  @Test
  void everyByteSequenceRoundTrips() {
    Random r = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[r.nextInt(12)];
      r.nextBytes(b);
      assertThat(FileNames.encode(FileNames.decode(b))).as("bytes %s", java.util.Arrays.toString(b)).isEqualTo(b);
    }
  }

  @Test
  void validUtf8IsPlainText_invalidBytesAreEscaped() {
    assertThat(FileNames.decode("café 😀".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo("café 😀");
    String latin1 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9});
    assertThat(latin1).isEqualTo("caf\udce9");
    assertThat(FileNames.hasInvalidBytes(latin1)).isTrue();
    assertThat(FileNames.hasInvalidBytes("café 😀")).isFalse();
    assertThat(FileNames.printable(latin1)).isEqualTo("caf\\xe9");
    // an encoded surrogate (CESU) is not UTF-8: its three bytes are kept one by one
    assertThat(FileNames.decode(new byte[] {(byte) 0xed, (byte) 0xb2, (byte) 0x80})).isEqualTo("\udced\udcb2\udc80");
  }

  /** Two names that differ only in bytes that are not UTF-8 stay two files (the JVM alone would make both "caf?"). */
  @Test
  void pathsHoldTheExactBytes(@TempDir Path dir) throws Exception {
    List<String> names = List.of(FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9}),
        FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe8}), "café", "d\u00e9j\u00e0/x y%z");
    for (String n : names) {
      Path p = FileNames.resolve(dir, n);
      Files.createDirectories(p.getParent());
      Files.write(p, FileNames.encode(n));
    }
    for (String n : names) {
      assertThat(Files.readAllBytes(FileNames.resolve(dir, n))).isEqualTo(FileNames.encode(n));
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(FileNames::fileName)).containsExactlyInAnyOrder(names.get(0), names.get(1), "café", "d\u00e9j\u00e0");
    }
    Path deep = FileNames.resolve(dir, names.get(3));
    assertThat(FileNames.of(deep)).isEqualTo(FileNames.of(dir) + "/" + names.get(3));
    // the bytes on disk, as ls(1) sees them
    Process ls = new ProcessBuilder("ls", "-b", dir.toString()).start();
    String out = new String(ls.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(out).contains("caf\\351").contains("caf\\350");
  }
}
