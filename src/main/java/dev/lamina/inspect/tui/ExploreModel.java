package dev.lamina.inspect.tui;

import dev.lamina.inspect.LayerAnalysis;
import dev.lamina.inspect.LayerRow;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * State of the explorer and what each key does to it: which layer and file are selected, which panel has the
 * focus, collapsed directories, the name filter, "hide unmodified" and per-layer vs aggregated view.
 */
public final class ExploreModel {
  /** The keys the explorer understands (terminal-independent, so the model is tested without a terminal). */
  public enum Key { UP, DOWN, PAGE_UP, PAGE_DOWN, HOME, END, LEFT, RIGHT, TAB, ENTER, ESCAPE, BACKSPACE, CHAR, QUIT }

  /** Which panel has the focus. */
  public enum Focus { LAYERS, FILES }

  private final LayerAnalysis analysis;
  private final boolean ascii;
  private int layer;
  private int layerTop;
  private Focus focus = Focus.LAYERS;
  private boolean aggregate;
  private boolean hideUnmodified;
  private String filter = "";
  private boolean editingFilter;
  private final Set<String> collapsed = new HashSet<>();
  private int fileCursor;
  private int fileTop;
  private FileTreeModel tree;
  private List<FileTreeModel.Line> lines;
  private int pageRows = 10;
  private boolean quit;

  public ExploreModel(LayerAnalysis analysis, boolean ascii) {
    this.analysis = analysis;
    this.ascii = ascii;
    rebuildTree();
  }

  public LayerAnalysis analysis() {
    return analysis;
  }

  public int layer() {
    return layer;
  }

  public int layerTop() {
    return layerTop;
  }

  public Focus focus() {
    return focus;
  }

  public boolean aggregate() {
    return aggregate;
  }

  public boolean hideUnmodified() {
    return hideUnmodified;
  }

  public String filter() {
    return filter;
  }

  public boolean editingFilter() {
    return editingFilter;
  }

  public boolean quit() {
    return quit;
  }

  public boolean ascii() {
    return ascii;
  }

  List<FileTreeModel.Line> lines() {
    return lines;
  }

  int fileCursor() {
    return fileCursor;
  }

  int fileTop() {
    return fileTop;
  }

  boolean isCollapsed(String path) {
    return collapsed.contains(path);
  }

  /** How many rows each panel shows, so paging and scrolling follow the terminal size. */
  public void setPageRows(int rows) {
    pageRows = Math.max(1, rows);
    scrollIntoView();
  }

  /** Applies one key; {@code c} is the character for {@link Key#CHAR}. */
  public void onKey(Key key, char c) {
    if (editingFilter) {
      editFilter(key, c);
      return;
    }
    switch (key) {
      case QUIT -> quit = true;
      case TAB -> focus = focus == Focus.LAYERS ? Focus.FILES : Focus.LAYERS;
      case UP -> move(-1);
      case DOWN -> move(1);
      case PAGE_UP -> move(-pageRows);
      case PAGE_DOWN -> move(pageRows);
      case HOME -> move(-1_000_000);
      case END -> move(1_000_000);
      case LEFT -> collapseOrParent();
      case RIGHT -> expand();
      case ENTER -> toggle();
      case ESCAPE -> {
        if (!filter.isEmpty()) {
          setFilter("");
        }
      }
      case CHAR -> onChar(c);
      default -> { }
    }
  }

  private void onChar(char c) {
    switch (c) {
      case 'q' -> quit = true;
      case 'j' -> move(1);
      case 'k' -> move(-1);
      case ' ' -> toggle();
      case '/' -> {
        editingFilter = true;
        focus = Focus.FILES;
      }
      case 'u' -> {
        hideUnmodified = !hideUnmodified;
        refreshLines();
      }
      case 'a' -> {
        aggregate = !aggregate;
        rebuildTree();
      }
      default -> { }
    }
  }

  private void editFilter(Key key, char c) {
    switch (key) {
      case ENTER -> editingFilter = false;
      case ESCAPE -> {
        editingFilter = false;
        setFilter("");
      }
      case BACKSPACE -> setFilter(filter.isEmpty() ? "" : filter.substring(0, filter.length() - 1));
      case CHAR -> setFilter(filter + c);
      case QUIT -> quit = true;
      default -> { }
    }
  }

  private void setFilter(String f) {
    filter = f;
    fileCursor = 0;
    refreshLines();
  }

  private void move(int delta) {
    if (focus == Focus.LAYERS) {
      int n = Math.max(0, Math.min(analysis.layers().size() - 1, layer + delta));
      if (n != layer) {
        layer = n;
        fileCursor = 0;
        fileTop = 0;
        rebuildTree();
      }
    } else {
      fileCursor = Math.max(0, Math.min(lines.size() - 1, fileCursor + delta));
    }
    scrollIntoView();
  }

  private FileTreeModel.Node current() {
    return lines.isEmpty() ? null : lines.get(fileCursor).node();
  }

  private void toggle() {
    FileTreeModel.Node n = current();
    if (focus != Focus.FILES || n == null || n.children.isEmpty()) {
      return;
    }
    if (!collapsed.remove(n.path)) {
      collapsed.add(n.path);
    }
    refreshLines();
  }

  private void expand() {
    FileTreeModel.Node n = current();
    if (focus == Focus.FILES && n != null && collapsed.remove(n.path)) {
      refreshLines();
    }
  }

  private void collapseOrParent() {
    FileTreeModel.Node n = current();
    if (focus != Focus.FILES || n == null) {
      return;
    }
    if (!n.children.isEmpty() && !collapsed.contains(n.path)) {
      collapsed.add(n.path);
      refreshLines();
      return;
    }
    int slash = n.path.lastIndexOf('/');
    if (slash > 0) {
      String parent = n.path.substring(0, slash);
      for (int i = fileCursor - 1; i >= 0; i--) {
        if (lines.get(i).node().path.equals(parent)) {
          fileCursor = i;
          scrollIntoView();
          return;
        }
      }
    }
  }

  private void rebuildTree() {
    List<LayerRow> rows = aggregate
        ? LayerRow.ofAggregate(analysis.aggregate(layer), analysis.changes(layer))
        : LayerRow.ofChanges(analysis.changes(layer), true);
    tree = new FileTreeModel(rows);
    refreshLines();
  }

  private void refreshLines() {
    lines = tree.visible(collapsed, filter, hideUnmodified, ascii);
    fileCursor = Math.max(0, Math.min(fileCursor, lines.size() - 1));
    scrollIntoView();
  }

  private void scrollIntoView() {
    if (fileCursor < fileTop) {
      fileTop = fileCursor;
    } else if (fileCursor >= fileTop + pageRows) {
      fileTop = fileCursor - pageRows + 1;
    }
    fileTop = Math.max(0, Math.min(fileTop, Math.max(0, lines.size() - pageRows)));
    if (layer < layerTop) {
      layerTop = layer;
    } else if (layer >= layerTop + pageRows) {
      layerTop = layer - pageRows + 1;
    }
  }
}
