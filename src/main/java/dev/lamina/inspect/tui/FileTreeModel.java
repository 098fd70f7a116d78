package dev.lamina.inspect.tui;

import dev.lamina.inspect.LayerDiffType;
import dev.lamina.inspect.LayerRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/** The file tree shown in the right panel, built from layer rows, flattened for display with collapse and filters. */
final class FileTreeModel {
  /** One visible line: the node, its depth and the tree glyphs in front of its name. */
  record Line(Node node, String prefix) {}

  /** A path of the tree; {@code row} is null for a parent that only its children name. */
  static final class Node {
    final String name;
    final String path;
    LayerRow row;
    long total;
    boolean changedBelow;
    final TreeMap<String, Node> children = new TreeMap<>();

    Node(String name, String path) {
      this.name = name;
      this.path = path;
    }

    LayerDiffType type() {
      return row == null ? LayerDiffType.UNMODIFIED : row.type();
    }

    boolean isDir() {
      return !children.isEmpty() || (row != null && row.entry() != null && row.entry().isDir());
    }
  }

  private final Node root = new Node("", "");

  FileTreeModel(List<LayerRow> rows) {
    for (LayerRow r : rows) {
      Node n = root;
      StringBuilder path = new StringBuilder();
      for (String part : r.path().split("/")) {
        path.append(path.length() == 0 ? "" : "/").append(part);
        String p = path.toString();
        n = n.children.computeIfAbsent(part, k -> new Node(k, p));
      }
      n.row = r;
    }
    sum(root);
  }

  private static void sum(Node n) {
    long total = n.row == null ? 0 : n.row.size();
    boolean changed = false;
    for (Node c : n.children.values()) {
      sum(c);
      total += c.total;
      changed |= c.changedBelow || c.type() != LayerDiffType.UNMODIFIED;
    }
    n.total = total;
    n.changedBelow = changed;
  }

  /**
   * The lines to show: children of collapsed directories hidden; with a filter only paths containing it (and their
   * parents); with {@code hideUnmodified} only changed paths (and their parents).
   */
  List<Line> visible(Set<String> collapsed, String filter, boolean hideUnmodified, boolean ascii) {
    List<Line> out = new ArrayList<>();
    String f = filter == null ? "" : filter.toLowerCase(Locale.ROOT);
    flatten(root, "", collapsed, f, hideUnmodified, ascii, out);
    return out;
  }

  private boolean shown(Node n, String filter, boolean hideUnmodified) {
    if (hideUnmodified && n.type() == LayerDiffType.UNMODIFIED && !n.changedBelow) {
      return false;
    }
    return filter.isEmpty() || matches(n, filter, hideUnmodified);
  }

  private boolean matches(Node n, String filter, boolean hideUnmodified) {
    if (n.path.toLowerCase(Locale.ROOT).contains(filter)
        && !(hideUnmodified && n.type() == LayerDiffType.UNMODIFIED && !n.changedBelow)) {
      return true;
    }
    for (Node c : n.children.values()) {
      if (matches(c, filter, hideUnmodified)) {
        return true;
      }
    }
    return false;
  }

  private void flatten(Node parent, String indent, Set<String> collapsed, String filter, boolean hideUnmodified,
      boolean ascii, List<Line> out) {
    List<Node> kids = new ArrayList<>();
    for (Node c : parent.children.values()) {
      if (shown(c, filter, hideUnmodified)) {
        kids.add(c);
      }
    }
    for (int i = 0; i < kids.size(); i++) {
      Node k = kids.get(i);
      boolean last = i == kids.size() - 1;
      String branch = ascii ? (last ? "`-- " : "|-- ") : (last ? "└── " : "├── ");
      out.add(new Line(k, indent + branch));
      // a filter matching below a collapsed directory opens it, so the match can be seen
      boolean open = !collapsed.contains(k.path) || (!filter.isEmpty() && !k.path.toLowerCase(Locale.ROOT)
          .contains(filter));
      if (open) {
        String more = ascii ? (last ? "    " : "|   ") : (last ? "    " : "│   ");
        flatten(k, indent + more, collapsed, filter, hideUnmodified, ascii, out);
      }
    }
  }
}
