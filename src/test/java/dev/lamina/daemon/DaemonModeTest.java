package dev.lamina.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The daemon mode option and the socket's framing. */
class DaemonModeTest {
  @Test
  void theLastDaemonOptionWins_amongOtherOptions() {
    assertThat(DaemonMode.shared(List.of("-o", "lowerdir=/a,daemon=shared", "/mnt"))).isTrue();
    assertThat(DaemonMode.shared(List.of("-o", "daemon=shared", "-o", "lowerdir=/a,daemon=private"))).isFalse();
  }

  @Test
  void anUnknownModeIsAClearError() {
    assertThatThrownBy(() -> DaemonMode.shared(List.of("-o", "daemon=both")))
        .hasMessageContaining("daemon=both").hasMessageContaining("daemon=shared").hasMessageContaining("daemon=private");
  }

  @Test
  void framesCarryAnyString() throws IOException {
    List<String> msg = List.of("mount", "/dir with\nnewline", "", "é,\\:");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Frames.write(out, msg);
    assertThat(Frames.read(new ByteArrayInputStream(out.toByteArray()))).isEqualTo(msg);
  }

  @Test
  void aPeerCannotMakeTheDaemonAllocateWithoutBound() {
    byte[] huge = ByteBuffer.allocate(8).putInt(1).putInt(Integer.MAX_VALUE).array();
    assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(huge))).hasMessageContaining("malformed");
    byte[] many = ByteBuffer.allocate(4).putInt(1_000_000).array();
    assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(many))).hasMessageContaining("malformed");
  }
}
