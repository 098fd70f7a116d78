package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Compares one layer with the merged layers below it (OCI rules): each path it adds, modifies (type, contents, mode,
 * uid or gid differ, as dive compares) or removes, with sizes. Removals come from whiteouts and from opaque markers
 * (everything the lower directory had that this layer does not re-create).
 */
public final class LayerDiff {
  private LayerDiff() {}

  /** The changes of {@code layer} on top of {@code lower}, in path order; also warns about missing whiteouts. */
  public static List<LayerChange> of(LayerTree layer, LayerAggregate lower, List<String> warnings) {
    List<LayerChange> out = new ArrayList<>();
    compare(layer.root(), lower.root(), false, out, warnings);
    out.sort(Comparator.comparing(LayerChange::path));
    return out;
  }

  /**
   * Compares the children of {@code upper} with those of {@code lower}. {@code hiding} is set below an opaque marker
   * or a deleted-and-recreated directory: there, lower paths the layer does not name are gone too.
   */
  private static void compare(
      LayerNode upper, LayerNode lower, boolean hiding, List<LayerChange> out, List<String> warnings) {
    hiding |= upper.opaque() != null || upper.whiteout() != null;
    if (hiding && lower != null) {
      for (LayerNode l : lower.children()) {
        if (upper.child(l.name()) == null) {
          out.add(removal(l));
        }
      }
    }
    for (LayerNode u : upper.children()) {
      LayerNode l = lower == null ? null : lower.child(u.name());
      LayerEntry e = u.entry();
      boolean recreated = u.present();
      if (u.whiteout() != null) {
        if (l == null) {
          warnings.add("whiteout of missing path /" + u.path() + " (no lower layer has it)");
        } else if (!recreated) {
          out.add(removal(l));
          continue; // whiteouts below a deleted path have nothing left to delete
        }
      }
      if (e != null) {
        LayerEntry old = l == null ? null : l.entry();
        if (l == null) {
          out.add(new LayerChange(u.path(), LayerDiffType.ADDED, e.kind(), e.size(), 0, 0, e));
        } else if (old == null) {
          // the lower path is an implicit directory: only a type change is visible
          LayerDiffType t = e.isDir() ? LayerDiffType.UNMODIFIED : LayerDiffType.MODIFIED;
          out.add(new LayerChange(u.path(), t, e.kind(), e.size(), 0, 0, e));
        } else {
          LayerDiffType t = e.differsFrom(old) ? LayerDiffType.MODIFIED : LayerDiffType.UNMODIFIED;
          out.add(new LayerChange(u.path(), t, e.kind(), e.size(), old.size(), 0, e));
        }
      }
      if (u.hasChildren() || u.opaque() != null) {
        // a file replacing a directory leaves nothing of the lower directory to compare with
        compare(u, e != null && !e.isDir() ? null : l, hiding, out, warnings);
      }
    }
  }

  private static LayerChange removal(LayerNode lower) {
    LayerEntry e = lower.entry();
    LayerEntry.Kind kind = e == null ? LayerEntry.Kind.DIR : e.kind();
    return new LayerChange(lower.path(), LayerDiffType.REMOVED, kind, lower.subtreeSize(),
        lower.subtreeSize(), lower.descendantCount() + 1, null);
  }
}
