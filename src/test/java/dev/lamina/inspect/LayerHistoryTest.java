package dev.lamina.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Layers get the created_by of the non-empty history entries, in order; commands shown as dive shows them. */
class LayerHistoryTest {

  @Test
  void emptyLayerEntriesAreSkipped() {
    List<LayerHistory.Item> history = List.of(
        new LayerHistory.Item("/bin/sh -c #(nop) ADD file:abc in / ", false),
        new LayerHistory.Item("/bin/sh -c #(nop)  CMD [\"sh\"]", true),
        new LayerHistory.Item("ENV A=1", true),
        new LayerHistory.Item("/bin/sh -c apk add curl", false),
        new LayerHistory.Item("COPY app /app # buildkit", false),
        new LayerHistory.Item("EXPOSE 80", true));

    assertThat(LayerHistory.createdBy(history, 3))
        .containsExactly("/bin/sh -c #(nop) ADD file:abc in / ", "/bin/sh -c apk add curl",
            "COPY app /app # buildkit");
  }

  @Test
  void missingHistoryGivesEmptyCommands() {
    assertThat(LayerHistory.createdBy(List.of(new LayerHistory.Item("RUN x", false)), 3))
        .containsExactly("RUN x", "", "");
    assertThat(LayerHistory.createdBy(List.of(), 1)).containsExactly("");
  }

  @Test
  void commandsAsDiveShowsThem() {
    LayerInfo add = new LayerInfo(0, "sha256:aa", "sha256:0123456789abcdef", 10,
        "/bin/sh -c #(nop) ADD file:abc in / ");
    assertThat(add.diveCommand()).isEqualTo("#(nop) ADD file:abc in / ");
    assertThat(add.command()).isEqualTo("ADD file:abc in /");
    assertThat(add.shortId()).isEqualTo("0123456789ab");
    LayerInfo heredoc = new LayerInfo(1, "sha256:bb", "", 10, "RUN <<EOF\necho hi\nEOF");
    assertThat(heredoc.commandLine()).isEqualTo("RUN <<EOF↵echo hi↵EOF");
  }
}
