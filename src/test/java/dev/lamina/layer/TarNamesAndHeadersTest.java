package dev.lamina.layer;

import static dev.lamina.layer.TarBuilder.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.FileNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names and headers exactly as the tar has them (issue 11): names that are not UTF-8 are kept byte for byte (two
 * such names used to collapse into one "caf?" file), a header with a wrong checksum is refused with the layer and
 * the entry offset, and hostile headers fail clearly without leaving a layer behind.
 */
class TarNamesAndHeadersTest {
  @TempDir Path tmp;

  private static final String E9 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9});
  private static final String E8 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe8});
  private static final String FF_DIR = FileNames.decode(new byte[] {'d', (byte) 0xff});

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(FileNames::fileName).collect(Collectors.toSet());
    }
  }

  /** GNU tar's own formats, made under the C locale, as an image build on a Latin-1 system would. */
  @ParameterizedTest(name = "tar --format={0}")
  @ValueSource(strings = {"gnu", "posix", "ustar"})
  void gnuTarNamesThatAreNotUtf8_extractByteForByte(String format) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")),
        "GNU tar is not installed");
    Path src = Files.createDirectory(tmp.resolve("src"));
    for (String n : List.of(E9, E8, "café")) {
      Files.write(FileNames.resolve(src, n), FileNames.encode(n));
    }
    Files.createDirectory(FileNames.resolve(src, FF_DIR));
    Files.write(FileNames.resolve(src, FF_DIR + "/" + E9), new byte[] {1});
    Files.createSymbolicLink(FileNames.resolve(src, "link"), FileNames.resolve(Path.of(""), E8));
    Path layerTar = tmp.resolve("layer.tar");
    ProcessBuilder pb = new ProcessBuilder("tar", "--format=" + format, "-cf", layerTar.toString(), "-C",
        src.toString(), ".").redirectErrorStream(true);
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();

    Path layer = tmp.resolve("layer");
    new LayerExtractor(TestOps.options()).extract(Files.newInputStream(layerTar), layer, "test layer");

    assertThat(names(layer)).containsExactlyInAnyOrder(E9, E8, "café", FF_DIR, "link");
    for (String n : List.of(E9, E8, "café")) {
      assertThat(Files.readAllBytes(FileNames.resolve(layer, n))).isEqualTo(FileNames.encode(n));
    }
    assertThat(names(FileNames.resolve(layer, FF_DIR))).containsExactly(E9);
    assertThat(FileNames.of(Files.readSymbolicLink(FileNames.resolve(layer, "link")))).isEqualTo(E8);
    // what ls(1) sees: the bytes themselves
    Process ls = new ProcessBuilder("ls", "-b", layer.toString()).start();
    assertThat(new String(ls.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("caf\\351").contains("caf\\350");
  }

  /** Go's archive/tar (docker, buildkit) writes a name that is not UTF-8 as a raw PAX path. */
  @Test
  void paxPathWithInvalidUtf8_isKept() throws Exception {
    byte[] t = RawTar.of(RawTar.pax("path", FileNames.encode(E9)), RawTar.header("placeholder", '0', 3),
        "abc".getBytes(StandardCharsets.US_ASCII), RawTar.pax("path", FileNames.encode(E8)),
        RawTar.header("placeholder", '0', 0));
    Path layer = tmp.resolve("layer");
    new LayerExtractor(TestOps.options()).extract(new ByteArrayInputStream(t), layer, "test layer");
    assertThat(names(layer)).containsExactlyInAnyOrder(E9, E8);
    assertThat(Files.readString(FileNames.resolve(layer, E9))).isEqualTo("abc");
  }

  @Test
  void aWrongChecksumIsRefused_namingTheLayerAndOffset() throws Exception {
    byte[] t = tar().file("a", "hello", 0644).file("b", "world", 0644).bytes();
    t[1024] = 'c'; // the second header's name: "b" -> "c", checksum unchanged
    Path layer = tmp.resolve("layer");
    assertThatThrownBy(() -> new LayerExtractor(TestOps.options())
            .extract(new ByteArrayInputStream(t), layer, "layer 1 (sha256:abc) of oci:x"))
        .isInstanceOf(TarReader.TarFormatException.class)
        .hasMessageStartingWith("layer 1 (sha256:abc) of oci:x: ")
        .hasMessageContaining("wrong checksum")
        .hasMessageContaining("at byte offset 1024");
    assertThat(layer).doesNotExist();
  }

  @Test
  void aChecksumFieldThatIsNotANumber_orRandomBytes_areRefused() throws Exception {
    byte[] t = tar().file("a", "hello", 0644).bytes();
    System.arraycopy("zzzzzz".getBytes(StandardCharsets.US_ASCII), 0, t, 148, 6);
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(t), "t").next())
        .hasMessageContaining("checksum field is not a number").hasMessageContaining("offset 0");
    byte[] noise = new byte[4096];
    new java.util.Random(3).nextBytes(noise);
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(noise), "t").next())
        .isInstanceOf(TarReader.TarFormatException.class).hasMessageContaining("checksum");
  }

  @Test
  void aTruncatedTar_failsAndLeavesNoLayer() throws Exception {
    byte[] whole = tar().file("a", "x".repeat(5000), 0644).bytes();
    byte[] t = java.util.Arrays.copyOf(whole, 512 + 2000);
    Path layer = tmp.resolve("layer");
    assertThatThrownBy(() -> new LayerExtractor(TestOps.options())
            .extract(new ByteArrayInputStream(t), layer, "test layer"))
        .hasMessageContaining("test layer: the tar ends in the middle of an entry");
    assertThat(layer).doesNotExist();
  }

  @Test
  void hostileMetadata_isRefusedByName() throws Exception {
    // a GNU long name header claiming a gigabyte: refused before anything is read into memory
    byte[] bomb = RawTar.of(RawTar.header("././@LongLink", 'L', 1L << 30));
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(bomb), "t").next())
        .hasMessageContaining("GNU long name of 1073741824 bytes, over the limit");
    // a PAX record whose length runs past the header
    byte[] badPax = RawTar.of(RawTar.rawPax("99 path=x\n".getBytes(StandardCharsets.US_ASCII)),
        RawTar.header("a", '0', 0));
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(badPax), "t").next())
        .hasMessageContaining("malformed PAX record").hasMessageContaining("offset 0");
    // sparse files are refused rather than extracted wrong
    byte[] sparse = RawTar.of(RawTar.header("s", 'S', 0));
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(sparse), "t").next())
        .hasMessageContaining("GNU sparse file");
    // a size that is not octal
    byte[] badSize = RawTar.of(RawTar.header("a", '0', 0));
    System.arraycopy("9x".getBytes(StandardCharsets.US_ASCII), 0, badSize, 124, 2);
    RawTar.checksum(badSize, 0);
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(badSize), "t").next())
        .hasMessageContaining("size field is not an octal number");
  }

  /** A huge size in GNU base-256 hits the layer's byte limit before a byte is written. */
  @Test
  void aBase256SizeBomb_hitsTheLimit() throws Exception {
    byte[] t = RawTar.of(RawTar.header("big", '0', 0));
    java.util.Arrays.fill(t, 124, 136, (byte) 0);
    t[124] = (byte) 0x80;
    t[129] = 0x7f; // 0x7f << 48 bytes: far over any limit
    RawTar.checksum(t, 0);
    Path layer = tmp.resolve("layer");
    assertThatThrownBy(() -> new LayerExtractor(TestOps.options())
            .extract(new ByteArrayInputStream(t), layer, "test layer"))
        .hasMessageContaining("big").hasMessageContaining("the configured limit");
    assertThat(layer).doesNotExist();
    t[125] = 0x7f; // beyond 63 bits
    RawTar.checksum(t, 0);
    assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(t), "t").next())
        .hasMessageContaining("size is too large");
  }

  /**
   * The JVM converts path Strings with sun.jnu.encoding, which follows the locale: under LC_ALL=C it is ASCII and
   * every non-ASCII byte became '?'. A JVM started under the C locale extracts the same names exactly.
   */
  @Test
  void underTheCLocale_namesAreStillExact() throws Exception {
    byte[] t = RawTar.of(RawTar.pax("path", FileNames.encode(E9)), RawTar.header("p", '0', 0),
        RawTar.pax("path", FileNames.encode(E8)), RawTar.header("p", '0', 0),
        RawTar.pax("path", "café".getBytes(StandardCharsets.UTF_8)), RawTar.header("p", '0', 0));
    Path layerTar = Files.write(tmp.resolve("layer.tar"), t);
    Path layer = tmp.resolve("layer");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), CLocaleMain.class.getName(), layerTar.toString(),
        layer.toString()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG"));
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).as("the child JVM's path encoding").contains("sun.jnu.encoding=ANSI_X3.4-1968");
    assertThat(names(layer)).containsExactlyInAnyOrder(E9, E8, "café");
  }

  /** Extracts argv[0] into argv[1] in a JVM of its own (started under another locale). */
  public static final class CLocaleMain {
    public static void main(String[] args) throws Exception {
      System.out.println("sun.jnu.encoding=" + System.getProperty("sun.jnu.encoding"));
      new LayerExtractor(TestOps.options()).extract(Files.newInputStream(Path.of(args[0])), Path.of(args[1]), "t");
    }
  }
}
