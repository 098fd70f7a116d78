package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BindMountTest {
  private static final Path CWD = Path.of("/work/here");

  @Test
  void parse_hostAndContainer() {
    assertThat(BindMount.parse("/data:/mnt", CWD)).isEqualTo(new BindMount(Path.of("/data"), "/mnt", false));
  }

  @Test
  void parse_modes_andRelativeHost() {
    assertThat(BindMount.parse("d/../e:/mnt:ro", CWD))
        .isEqualTo(new BindMount(Path.of("/work/here/e"), "/mnt", true));
    assertThat(BindMount.parse("/d:/mnt:rw", CWD).readOnly()).isFalse();
  }

  @Test
  void parse_rejectsBadSpecs() {
    assertThatThrownBy(() -> BindMount.parse("/only", CWD)).hasMessageContaining("HOST:CONTAINER");
    assertThatThrownBy(() -> BindMount.parse("/a:rel", CWD)).hasMessageContaining("absolute");
    assertThatThrownBy(() -> BindMount.parse("/a:/b:rx", CWD)).hasMessageContaining("ro or rw");
    assertThatThrownBy(() -> BindMount.parse(":/b", CWD)).hasMessageContaining("HOST:CONTAINER");
  }
}
