package dev.lamina.inspect.tui;

import dev.lamina.inspect.EfficiencyResult;
import dev.lamina.inspect.LayerAnalysis;
import dev.lamina.inspect.LayerBytes;
import dev.lamina.inspect.LayerDiffType;
import dev.lamina.inspect.LayerInfo;
import dev.lamina.inspect.LayerReport;
import dev.lamina.inspect.LayerChange;
import dev.lamina.inspect.LayerRow;
import dev.lamina.inspect.tui.ExploreCanvas.Color;
import dev.lamina.inspect.tui.ExploreCanvas.Style;
import java.util.List;
import java.util.Locale;

/**
 * Draws the explorer: a title row, the layer list (left) and the file tree of the selected layer (right), a status
 * line with efficiency and wasted bytes, and a key help line. Fits 80x24 and any larger size.
 */
public final class ExploreView {
  private ExploreView() {}

  /** Rows each panel shows for a canvas of {@code rows} rows (title, panel titles, status and help take four). */
  public static int pageRows(int rows) {
    return Math.max(1, rows - 4);
  }

  public static void draw(ExploreModel m, ExploreCanvas c) {
    int w = c.columns();
    int h = c.rows();
    LayerAnalysis a = m.analysis();
    int leftW = Math.max(20, Math.min(w * 2 / 5, 48));
    int rightX = leftW + 1;
    int rightW = Math.max(1, w - rightX);
    int page = pageRows(h);

    // the layer list has room for the start of a command only: the title shows the selected one in full
    LayerInfo sel = a.layers().get(m.layer());
    String command = sel.commandLine().isEmpty() ? "(no history)" : sel.commandLine();
    String heading = " Layer " + m.layer() + " " + sel.shortId() + ": " + command;
    String image = a.imageName() + " ";
    if (heading.length() + 2 + image.length() <= w) {
      heading = heading + " ".repeat(w - heading.length() - image.length()) + image;
    }
    c.text(0, 0, pad(heading, w), Style.INVERSE);
    Style title = new Style(Color.CYAN, false, true);
    c.text(0, 1, pad((m.focus() == ExploreModel.Focus.LAYERS ? "▶" : " ").replace("▶", m.ascii() ? ">" : "▶")
        + "Layers (" + a.layers().size() + ")", leftW), title);
    String view = m.aggregate() ? "aggregated 0.." + m.layer() : "layer " + m.layer() + " only";
    c.text(rightX, 1, pad((m.focus() == ExploreModel.Focus.FILES ? (m.ascii() ? ">" : "▶") : " ")
        + "Files: " + view + (m.hideUnmodified() ? ", changed only" : ""), rightW), title);
    for (int row = 1; row < h - 2; row++) {
      c.text(leftW, row, m.ascii() ? "|" : "│", Style.NORMAL);
    }

    for (int i = 0; i < page; i++) {
      // blank both panels first: the screen keeps what an earlier, longer listing drew
      c.text(0, 2 + i, pad("", leftW), Style.NORMAL);
      c.text(rightX, 2 + i, pad("", rightW), Style.NORMAL);
    }
    List<LayerInfo> layers = a.layers();
    for (int i = 0; i < page && m.layerTop() + i < layers.size(); i++) {
      int idx = m.layerTop() + i;
      LayerInfo l = layers.get(idx);
      String cmd = l.commandLine().isEmpty() ? "(no history)" : l.commandLine();
      String text = String.format("%2d %8s  %s", idx, LayerBytes.human(a.trees().get(idx).sizeBytes()), cmd);
      boolean selected = idx == m.layer();
      Style s = selected ? (m.focus() == ExploreModel.Focus.LAYERS ? Style.INVERSE : Style.BOLD) : Style.NORMAL;
      c.text(0, 2 + i, pad(text, leftW), s);
    }

    List<FileTreeModel.Line> lines = m.lines();
    for (int i = 0; i < page && m.fileTop() + i < lines.size(); i++) {
      int idx = m.fileTop() + i;
      FileTreeModel.Line line = lines.get(idx);
      FileTreeModel.Node n = line.node();
      LayerRow r = n.row;
      long size = n.isDir() ? n.total : r == null ? 0 : r.size();
      String name = r == null ? n.name : r.decorate(n.name);
      String fold = !n.children.isEmpty() && m.isCollapsed(n.path) ? (m.ascii() ? "+" : "⊕") : "";
      String text = n.type().mark() + " " + String.format("%8s", LayerBytes.human(size)) + " " + line.prefix()
          + fold + name + (n.isDir() && !name.endsWith("/") ? "/" : "");
      Style s = new Style(color(n.type()), false, false);
      if (idx == m.fileCursor() && m.focus() == ExploreModel.Focus.FILES) {
        s = s.inverted();
      }
      c.text(rightX, 2 + i, pad(text, rightW), s);
    }
    if (lines.isEmpty()) {
      c.text(rightX, 2, m.filter().isEmpty() ? " (nothing to show)" : " (no path matches the filter)",
          Style.NORMAL);
    }

    EfficiencyResult eff = a.efficiency();
    int[] count = new int[LayerDiffType.values().length];
    for (LayerChange ch : a.changes(m.layer())) {
      count[ch.type().ordinal()]++;
    }
    String status = String.format(Locale.ROOT, " Size %s  Efficiency %s  Wasted %s  | Layer %d: %dA %dM %dR",
        LayerBytes.human(a.sizeBytes()), LayerReport.percent(eff.score()), LayerBytes.human(eff.wastedBytes()),
        m.layer(),
        count[LayerDiffType.ADDED.ordinal()], count[LayerDiffType.MODIFIED.ordinal()],
        count[LayerDiffType.REMOVED.ordinal()]);
    if (m.editingFilter() || !m.filter().isEmpty()) {
      status = " Filter: " + m.filter() + (m.editingFilter() ? "_  (Enter: keep, Esc: clear)" : "  (Esc: clear)");
    }
    c.text(0, h - 2, pad(status, w), Style.INVERSE);
    String help = m.ascii()
        ? " Tab:panel Up/Dn:move Space:fold /:filter u:hide-unmod a:aggregate q:quit"
        : " Tab:panel ↑↓:move ←→/Space:fold /:filter u:hide-unmod a:aggregate q:quit";
    c.text(0, h - 1, pad(help, w), Style.NORMAL);
  }

  private static Color color(LayerDiffType t) {
    return switch (t) {
      case ADDED -> Color.GREEN;
      case MODIFIED -> Color.YELLOW;
      case REMOVED -> Color.RED;
      case UNMODIFIED -> Color.DEFAULT;
    };
  }

  private static String pad(String s, int width) {
    if (s.length() >= width) {
      return s.substring(0, Math.max(0, width));
    }
    return s + " ".repeat(width - s.length());
  }
}
