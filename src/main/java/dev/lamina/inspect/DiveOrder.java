package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Walks a layer's tree the way dive walks its FileTree: children before parents, siblings sorted by their names in
 * the tar (so a whiteout sorts as {@code .wh.NAME}, and a layer that deletes and re-creates {@code x} yields two
 * nodes), opaque markers left out.
 */
final class DiveOrder {
  private DiveOrder() {}

  /** Receives each dive node: the layer node and whether it is that node's whiteout. */
  interface Visitor {
    void visit(LayerNode node, boolean whiteout);
  }

  static void walk(LayerNode parent, Visitor visitor) {
    List<Object[]> order = new ArrayList<>();
    for (LayerNode c : parent.children()) {
      if (c.whiteout() != null) {
        order.add(new Object[] {LayerScanner.WHITEOUT_PREFIX + c.name(), c, Boolean.TRUE});
      }
      if (c.entry() != null || c.whiteout() == null || c.hasChildren()) {
        order.add(new Object[] {c.name(), c, Boolean.FALSE});
      }
    }
    order.sort(Comparator.comparing(o -> (String) o[0]));
    for (Object[] o : order) {
      LayerNode c = (LayerNode) o[1];
      if ((Boolean) o[2]) {
        visitor.visit(c, true);
      } else {
        walk(c, visitor);
        visitor.visit(c, false);
      }
    }
  }
}
