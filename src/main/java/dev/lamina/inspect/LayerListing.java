package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Renders layer rows as a flat list or as a tree, sorted by name or by size (largest first). */
public final class LayerListing {
  /** Sort orders of a listing. */
  public enum Sort { NAME, SIZE }

  private LayerListing() {}

  /** One text line per row: mark, mode, owner, size, then the path (or the tree branch). */
  public static String render(List<LayerRow> rows, boolean tree, Sort sort) {
    StringBuilder out = new StringBuilder();
    if (!tree) {
      List<LayerRow> sorted = new ArrayList<>(rows);
      sorted.sort(sort == Sort.SIZE
          ? Comparator.comparingLong(LayerRow::size).reversed().thenComparing(LayerRow::path)
          : Comparator.comparing(LayerRow::path));
      for (LayerRow r : sorted) {
        line(out, r, r.decorate("/" + r.path()));
      }
      return out.toString();
    }
    Node root = new Node("", null);
    for (LayerRow r : rows) {
      Node n = root;
      for (String part : r.path().split("/")) {
        n = n.children.computeIfAbsent(part, p -> new Node(p, null));
      }
      n.row = r;
    }
    root.total();
    renderChildren(out, root, "", "", sort);
    return out.toString();
  }

  private static void renderChildren(StringBuilder out, Node parent, String parentPath, String indent, Sort sort) {
    List<Node> kids = new ArrayList<>(parent.children.values());
    if (sort == Sort.SIZE) {
      kids.sort(Comparator.comparingLong((Node n) -> n.total).reversed().thenComparing(n -> n.name));
    }
    for (int i = 0; i < kids.size(); i++) {
      Node k = kids.get(i);
      boolean last = i == kids.size() - 1;
      String path = parentPath.isEmpty() ? k.name : parentPath + "/" + k.name;
      LayerRow r = k.row != null ? k.row : new LayerRow(LayerDiffType.UNMODIFIED, path, null, k.total, 0);
      line(out, r, indent + (last ? "└── " : "├── ") + r.decorate(k.name));
      renderChildren(out, k, path, indent + (last ? "    " : "│   "), sort);
    }
  }

  private static void line(StringBuilder out, LayerRow r, String name) {
    out.append(r.type().mark()).append("  ")
        .append(r.modeString()).append(' ')
        .append(String.format("%11s", r.owner())).append(' ')
        .append(String.format("%9s", LayerBytes.human(r.size()))).append("  ")
        .append(name).append('\n');
  }

  /** Totals of a row list: "3 added (6.4 kB), 1 modified (10 B), 2 removed (12 kB)". */
  public static String summary(List<LayerChange> changes) {
    long[] count = new long[LayerDiffType.values().length];
    long[] bytes = new long[count.length];
    for (LayerChange c : changes) {
      count[c.type().ordinal()]++;
      bytes[c.type().ordinal()] += c.size();
    }
    return count[LayerDiffType.ADDED.ordinal()] + " added (" + LayerBytes.human(bytes[0]) + "), "
        + count[LayerDiffType.MODIFIED.ordinal()] + " modified (" + LayerBytes.human(bytes[1]) + "), "
        + count[LayerDiffType.REMOVED.ordinal()] + " removed (" + LayerBytes.human(bytes[2]) + ")";
  }

  private static final class Node {
    final String name;
    LayerRow row;
    long total;
    final Map<String, Node> children = new TreeMap<>();

    Node(String name, LayerRow row) {
      this.name = name;
      this.row = row;
    }

    long total() {
      long sum = row == null ? 0 : row.size();
      for (Node c : children.values()) {
        sum += c.total();
      }
      total = sum;
      return sum;
    }
  }
}
