package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of /proc/self/mountinfo lines (format from proc(5)). */
class MountTableTest {
  @Test
  void parse_readsMountPointTypeAndSource_withEscapes() {
    List<MountTable.Entry> e =
        MountTable.parse(
            List.of(
                "36 35 98:0 / /mnt1 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
                "80 24 0:52 / /tmp/a\\040b rw,nosuid,nodev - fuse.lamina lamina rw,user_id=0",
                "garbage"));
    assertThat(e)
        .containsExactly(
            new MountTable.Entry(Path.of("/mnt1"), "ext3", "/dev/root"),
            new MountTable.Entry(Path.of("/tmp/a b"), "fuse.lamina", "lamina"));
  }

  @Test
  void unescape_decodesOnlyOctalTriples() {
    assertThat(MountTable.unescape("a\\134b\\011c\\x")).isEqualTo("a\\b\tc\\x");
  }
}
