package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.List;

/**
 * The merged view of layers 0..N, built by applying layer trees in order.
 *
 * <p>Two rule sets: {@link Rules#OCI} follows the OCI image spec (a whiteout removes the lower path, an opaque marker
 * hides everything the lower layers had below its directory, a path the tar names only implicitly keeps its lower
 * metadata). {@link Rules#DIVE} reproduces dive's {@code FileTree.Stack} exactly, quirks included, so that the
 * efficiency numbers can equal dive's: opaque markers are ignored and an implicit directory overwrites the lower
 * entry with an empty one.
 */
public final class LayerAggregate {
  /** Which merge rules to apply. */
  public enum Rules { OCI, DIVE }

  private final Rules rules;
  private final LayerNode root = LayerNode.newRoot();
  private final List<String> warnings = new ArrayList<>();

  public LayerAggregate(Rules rules) {
    this.rules = rules;
  }

  /** Merges layers {@code 0..last} (inclusive) with OCI rules. */
  public static LayerAggregate upTo(List<LayerTree> layers, int last) {
    LayerAggregate agg = new LayerAggregate(Rules.OCI);
    for (int i = 0; i <= last; i++) {
      agg.apply(layers.get(i));
    }
    return agg;
  }

  public LayerNode root() {
    return root;
  }

  public LayerNode find(String path) {
    return root.find(path);
  }

  /** Whiteouts of paths that no lower layer has, seen so far (reported, not fatal). */
  public List<String> warnings() {
    return warnings;
  }

  /** Applies one more layer on top. */
  public void apply(LayerTree layer) {
    if (rules == Rules.OCI && layer.root().opaque() != null) {
      root.clearChildren();
    }
    merge(root, layer.root());
  }

  private void merge(LayerNode agg, LayerNode upper) {
    for (LayerNode u : upper.children()) {
      LayerNode a = agg.child(u.name());
      if (u.whiteout() != null) {
        if (a != null) {
          agg.removeChild(u.name());
        } else if (rules == Rules.OCI) {
          warnings.add("whiteout of missing path /" + u.path());
        }
        a = null;
      }
      // dive's tree gets an implicit node for any path with children; OCI only re-creates what the layer puts there
      boolean present = rules == Rules.DIVE ? u.entry() != null || u.whiteout() == null || u.hasChildren()
          : u.present();
      if (!present) {
        continue;
      }
      if (a == null) {
        a = agg.childOrCreate(u.name());
      } else if (rules == Rules.OCI && u.opaque() != null) {
        a.clearChildren(); // opaque: nothing of the lower directory shows through
      }
      if (rules == Rules.OCI && u.entry() != null && !u.entry().isDir()) {
        a.clearChildren(); // a file replacing a directory hides the directory's contents
      }
      merge(a, u);
      if (u.entry() != null || rules == Rules.DIVE) {
        // dive's AddPath gives an implicit directory an empty payload, erasing what the lower layer had
        a.setEntry(u.entry());
      }
    }
  }
}
