package dev.lamina.inspect.tui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.inspect.LayerAnalysis;
import dev.lamina.inspect.LayerInfo;
import dev.lamina.inspect.LayerScanner;
import dev.lamina.inspect.LayerTree;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/** The explorer's state and drawing, on an 80x24 character grid (no terminal needed). */
class ExploreModelTest {

  /** Records what the view draws, as text lines. */
  static final class Grid implements ExploreCanvas {
    final char[][] cells;

    Grid(int cols, int rows) {
      cells = new char[rows][cols];
      for (char[] r : cells) {
        java.util.Arrays.fill(r, ' ');
      }
    }

    @Override
    public int columns() {
      return cells[0].length;
    }

    @Override
    public int rows() {
      return cells.length;
    }

    @Override
    public void text(int col, int row, String text, Style style) {
      for (int i = 0; i < text.length() && col + i < columns(); i++) {
        cells[row][col + i] = text.charAt(i);
      }
    }

    String screen() {
      StringBuilder b = new StringBuilder();
      for (char[] r : cells) {
        b.append(new String(r).stripTrailing()).append('\n');
      }
      return b.toString();
    }
  }

  private static int layerCount;

  /** A layer of regular files whose contents differ from every other layer's (so a re-added path is modified). */
  private static LayerTree layer(String... files) throws Exception {
    layerCount++;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      for (String f : files) {
        byte[] body = ("contents of " + f + " in layer " + layerCount).getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(f);
        e.setSize(f.contains(".wh.") ? 0 : body.length);
        e.setMode(0100644);
        tar.putArchiveEntry(e);
        if (!f.contains(".wh.")) {
          tar.write(body);
        }
        tar.closeArchiveEntry();
      }
    }
    return new LayerScanner().scan(new ByteArrayInputStream(bytes.toByteArray()), "test");
  }

  private static ExploreModel model() throws Exception {
    List<LayerTree> trees = List.of(
        layer("etc/passwd", "etc/hosts", "usr/bin/tool"),
        layer("etc/hosts", "etc/.wh.passwd", "srv/www/index.html"));
    List<LayerInfo> infos = List.of(new LayerInfo(0, "sha256:aa", "", -1, "ADD rootfs.tar /"),
        new LayerInfo(1, "sha256:bb", "", -1, "/bin/sh -c echo hi > /srv/www/index.html"));
    return new ExploreModel(LayerAnalysis.of("test-image", infos, trees), false);
  }

  private static String draw(ExploreModel m) {
    Grid g = new Grid(80, 24);
    m.setPageRows(ExploreView.pageRows(24));
    ExploreView.draw(m, g);
    return g.screen();
  }

  @Test
  void showsLayersAndTheSelectedLayersChanges() throws Exception {
    ExploreModel m = model();
    String s = draw(m);
    assertThat(s).contains("ADD rootfs.tar /").contains("echo hi > /srv/www/");
    assertThat(s).contains("A").contains("passwd").contains("tool");

    m.onKey(ExploreModel.Key.DOWN, '\0');
    s = draw(m);
    assertThat(s).containsPattern("M +\\d+ B .*hosts").containsPattern("R +\\d+ B .*passwd")
        .containsPattern("A +\\d+ B .*index.html").doesNotContain("tool");
    assertThat(s).contains("Layer 1: 1A 1M 1R").contains("Layer 1 bb: echo hi > /srv/www/index.html");
  }

  @Test
  void aggregateFilterHideAndFold() throws Exception {
    ExploreModel m = model();
    m.onKey(ExploreModel.Key.DOWN, '\0');
    m.onKey(ExploreModel.Key.CHAR, 'a');
    String s = draw(m);
    assertThat(s).contains("aggregated 0..1").contains("tool").containsPattern("R +\\d+ B .*passwd");

    m.onKey(ExploreModel.Key.CHAR, 'u'); // hide unmodified: usr/bin/tool goes
    assertThat(draw(m)).doesNotContain("tool").contains("index.html");

    m.onKey(ExploreModel.Key.CHAR, '/');
    for (char c : "index".toCharArray()) {
      m.onKey(ExploreModel.Key.CHAR, c);
    }
    m.onKey(ExploreModel.Key.ENTER, '\0');
    s = draw(m);
    assertThat(s).contains("index.html").doesNotContain("hosts").contains("Filter: index");

    m.onKey(ExploreModel.Key.ESCAPE, '\0');
    m.onKey(ExploreModel.Key.CHAR, 'u');
    // the file panel has the focus since '/': fold the first line (etc/)
    m.onKey(ExploreModel.Key.HOME, '\0');
    m.onKey(ExploreModel.Key.CHAR, ' ');
    s = draw(m);
    assertThat(s).contains("⊕etc/").doesNotContain("hosts");
    m.onKey(ExploreModel.Key.RIGHT, '\0');
    assertThat(draw(m)).contains("hosts");
  }

  @Test
  void quitKeys() throws Exception {
    ExploreModel m = model();
    m.onKey(ExploreModel.Key.CHAR, 'q');
    assertThat(m.quit()).isTrue();
  }
}
