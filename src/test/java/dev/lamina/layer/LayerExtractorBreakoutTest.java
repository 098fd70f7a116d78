package dev.lamina.layer;

import static dev.lamina.layer.TarBuilder.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile layers (modelled on containerd's TestBreakouts): each either fails with an error naming the entry,
 * leaving no layer directory, or is extracted with everything contained in the layer. In every case nothing
 * outside the layer changes.
 *
 * <pre>
 * tmp/
 *   outside/etc/passwd   "host passwd"   (what the layers try to reach)
 *   outside/secret       "host secret"
 *   store/layer/         the layer being extracted ("../../outside" from its root is tmp/outside)
 * </pre>
 */
class LayerExtractorBreakoutTest {
  @TempDir Path tmp;

  /** A layer built against the absolute path of tmp/outside; a null error means it must extract, contained. */
  record Case(String name, Function<String, TarBuilder> layer, String error, Check check) {
    @Override
    public String toString() {
      return name;
    }
  }

  interface Check {
    void verify(Path layer) throws IOException;
  }

  static Case fails(String name, Function<String, TarBuilder> layer, String error) {
    return new Case(name, layer, error, null);
  }

  static Case contained(String name, Function<String, TarBuilder> layer, Check check) {
    return new Case(name, layer, null, check);
  }

  static Stream<Case> cases() {
    return Stream.of(
        fails("dotdot file", o -> tar().file("../evil", "x", 0644), "contains '..'"),
        fails("dotdot nested", o -> tar().dir("a", 0755).file("a/../../evil", "x", 0644), "contains '..'"),
        fails("dotdot inside", o -> tar().dir("a", 0755).file("a/../b", "x", 0644), "contains '..'"),
        fails("dotdot dir", o -> tar().dir("../../outside/newdir", 0755), "contains '..'"),
        fails("dotdot symlink name", o -> tar().symlink("x", "../evil"), "contains '..'"),
        fails("absolute dotdot", o -> tar().file("/../../outside/secret", "pwned", 0644), "contains '..'"),
        fails("dotdot gnu long name",
            o -> tar().gnuLongNames().file("../../outside/" + "x".repeat(150), "x", 0644), "contains '..'"),
        fails("dotdot pax path", o -> tar().file("../../outside/" + "y".repeat(150), "x", 0644), "contains '..'"),
        contained("absolute name stays in the layer",
            o -> tar().file("/etc/passwd", "layer passwd", 0644),
            l -> assertThat(l.resolve("etc/passwd")).hasContent("layer passwd")),
        contained("absolute path of outside stays in the layer",
            o -> tar().file(o + "/secret", "layer secret", 0644),
            l -> assertThat(l.resolve(o(l) + "/secret")).hasContent("layer secret")),
        fails("write through relative symlink dir",
            o -> tar().symlink("../../outside", "d1").file("d1/secret", "pwned", 0644), "\"d1\" is a symlink"),
        fails("write through absolute symlink dir",
            o -> tar().symlink(o, "d1").file("d1/secret", "pwned", 0644), "\"d1\" is a symlink"),
        fails("write through symlink to root", o -> tar().symlink("/", "r").file("r/tmp/evil", "x", 0644), "is a symlink"),
        fails("write through nested symlink",
            o -> tar().dir("a", 0755).symlink("../../..", "a/up").file("a/up/outside/secret", "x", 0644),
            "\"a/up\" is a symlink"),
        fails("symlink chain",
            o -> tar().symlink("b", "a").symlink("../../outside", "b").file("a/secret", "x", 0644), "\"a\" is a symlink"),
        fails("mkdir through symlink", o -> tar().symlink(o, "d").dir("d/newdir", 0755), "\"d\" is a symlink"),
        fails("symlink created through symlink",
            o -> tar().symlink(o, "d").symlink("/bin/sh", "d/secret"), "\"d\" is a symlink"),
        contained("regular file replaces a symlink instead of writing through it",
            o -> tar().symlink(o + "/secret", "f").file("f", "layer", 0644),
            l -> {
              assertThat(Files.isSymbolicLink(l.resolve("f"))).isFalse();
              assertThat(l.resolve("f")).hasContent("layer");
            }),
        contained("directory replaces a symlink to outside",
            o -> tar().symlink(o, "d").dir("d", 0755).file("d/secret", "layer", 0644),
            l -> {
              assertThat(Files.isDirectory(l.resolve("d"), LinkOption.NOFOLLOW_LINKS)).isTrue();
              assertThat(l.resolve("d/secret")).hasContent("layer");
            }),
        fails("hard link to outside with dotdot", o -> tar().link("../../outside/secret", "s"), "contains '..'"),
        fails("hard link to a host absolute path",
            o -> tar().link(o + "/secret", "s"), "is not an earlier entry of this layer"),
        fails("hard link to host /etc/passwd", o -> tar().link("/etc/passwd", "pw"), "is not an earlier entry"),
        fails("hard link through symlink",
            o -> tar().symlink(o, "d").link("d/secret", "s"), "\"d\" is a symlink"),
        fails("hard link named through symlink",
            o -> tar().file("a", "x", 0644).symlink(o, "d").link("a", "d/secret"), "\"d\" is a symlink"),
        fails("hard link to missing entry", o -> tar().link("nothere", "x"), "is not an earlier entry"),
        fails("hard link to directory", o -> tar().dir("d", 0755).link("d", "x"), "hard link to a directory"),
        contained("hard link to a symlink links the symlink itself",
            o -> tar().symlink(o + "/secret", "s").link("s", "h"),
            l -> assertThat(Files.readSymbolicLink(l.resolve("h")).toString()).endsWith("/outside/secret")),
        contained("later entry replaces a hard link instead of writing through it",
            o -> tar().file("a", "orig", 0644).link("a", "b").file("b", "new", 0644),
            l -> {
              assertThat(l.resolve("a")).hasContent("orig");
              assertThat(l.resolve("b")).hasContent("new");
            }),
        fails("whiteout of dotdot", o -> tar().dir("a", 0755).file("a/.wh...", "", 0), "whiteout of \"..\""),
        fails("whiteout of dot", o -> tar().file(".wh..", "", 0), "whiteout of \".\""),
        fails("whiteout with dotdot parent", o -> tar().file("../../outside/.wh.secret", "", 0), "contains '..'"),
        fails("whiteout through symlink", o -> tar().symlink(o, "d").whiteout("d/secret"), "\"d\" is a symlink"),
        fails("opaque through symlink", o -> tar().symlink(o, "d").opaque("d"), "\"d\" is a symlink"),
        contained("whiteout below a file of this layer is ignored",
            o -> tar().file("f", "x", 0644).whiteout("f/g"),
            l -> assertThat(l.resolve("f")).hasContent("x")),
        fails("root becomes a file", o -> tar().file(".", "x", 0644), "type of the layer root"),
        fails("root becomes a symlink", o -> tar().symlink(o, "./"), "type of the layer root"),
        fails("name component over 255 bytes", o -> tar().file("a/" + "n".repeat(256), "x", 0644), "over NAME_MAX"),
        fails("name over the path limit", o -> tar().file("d/".repeat(2100) + "f", "x", 0644), "over the limit of 4096"),
        contained("block device becomes an empty file with its stat in the override xattr",
            o -> tar().blockDev("dev/sda", 8, 0, 0660).owner(0, 6),
            l -> {
              Path p = l.resolve("dev/sda");
              assertThat(Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).isTrue();
              assertThat(Files.size(p)).isZero();
              assertThat(Xattrs.get(p, OverrideStat.XATTR)).isEqualTo("0:6:0660:block-8-0");
            }),
        contained("char device /dev/mem is never a real node",
            o -> tar().charDev("dev/mem", 1, 1, 0640).owner(0, 15),
            l -> {
              assertThat(Files.isRegularFile(l.resolve("dev/mem"), LinkOption.NOFOLLOW_LINKS)).isTrue();
              assertThat(Xattrs.get(l.resolve("dev/mem"), OverrideStat.XATTR)).isEqualTo("0:15:0640:char-1-1");
            }),
        fails("forged override xattr is dropped, then bomb",
            o -> tar().file("f", "x", 0644).xattr(OverrideStat.XATTR, "0:0:4755:file").file("g", "y", 0644)
                .file("../boom", "", 0644),
            "contains '..'"));
  }

  private static String o(Path layer) {
    return layer.getParent().getParent().resolve("outside").toString().substring(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void hostileLayer(Case c) throws Exception {
    Path outside = tmp.resolve("outside");
    Files.createDirectories(outside.resolve("etc"));
    Files.writeString(outside.resolve("etc/passwd"), "host passwd");
    Files.writeString(outside.resolve("secret"), "host secret");
    Path store = Files.createDirectory(tmp.resolve("store"));
    Path layer = store.resolve("layer");
    Map<String, String> before = TreeState.of(outside);
    String hostPasswd = TreeState.describe(Path.of("/etc/passwd"));

    LayerExtractor x = new LayerExtractor(TestOps.options());
    byte[] tarBytes = c.layer().apply(outside.toString()).bytes();
    if (c.error() != null) {
      assertThatThrownBy(() -> x.extract(new java.io.ByteArrayInputStream(tarBytes), layer))
          .isInstanceOf(UnsafeEntryException.class)
          .hasMessageContaining("tar entry \"")
          .hasMessageContaining(c.error());
      assertThat(layer).as("the partial layer is removed").doesNotExist();
      assertThat(Files.list(store)).as("nothing is left in the store").isEmpty();
    } else {
      x.extract(new java.io.ByteArrayInputStream(tarBytes), layer);
      c.check().verify(layer);
    }
    assertThat(TreeState.of(outside)).as("nothing outside the layer changed").isEqualTo(before);
    assertThat(TreeState.describe(Path.of("/etc/passwd"))).isEqualTo(hostPasswd);
    assertThat(new String(Files.readAllBytes(outside.resolve("secret")), StandardCharsets.UTF_8)).isEqualTo("host secret");
  }
}
