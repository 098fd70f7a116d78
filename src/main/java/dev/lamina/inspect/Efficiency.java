package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Image efficiency after dive's published algorithm ({@code filetree/efficiency.go} in wagoodman/dive), written anew.
 *
 * <p>Every leaf of every layer's tree is an occurrence of its path, weighted by its size; a whiteout is an occurrence
 * weighted by what it deletes. A path occurring more than once is inefficient and all its bytes count as wasted. The
 * score is the sum over paths of the smallest occurrence divided by the sum of all occurrences.
 *
 * <p>{@link Mode#DIVE} reproduces dive to the byte, quirks included: a deleted directory adds one occurrence of the
 * directory path (which no earlier leaf had, so nothing counts as wasted), opaque markers are ignored, and a whiteout
 * of a missing path ends the analysis of that layer. {@link Mode#LAMINA} fixes these: deleting a directory is an
 * occurrence of every file it hides, an opaque marker deletes what the lower directory had, and a whiteout of a
 * missing path is only reported. For an image without opaque markers and directory deletes both modes agree.
 */
public final class Efficiency {
  /** Which rules to count by. */
  public enum Mode { DIVE, LAMINA }

  private final Mode mode;
  private final LayerAggregate lower;
  private final Map<String, Acc> byPath = new HashMap<>();
  private final List<Acc> inefficient = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  private Efficiency(Mode mode) {
    this.mode = mode;
    this.lower = new LayerAggregate(mode == Mode.DIVE ? LayerAggregate.Rules.DIVE : LayerAggregate.Rules.OCI);
  }

  /** Computes the efficiency of the layers, bottom first. */
  public static EfficiencyResult of(List<LayerTree> layers, Mode mode) {
    Efficiency eff = new Efficiency(mode);
    for (int i = 0; i < layers.size(); i++) {
      LayerTree layer = layers.get(i);
      try {
        if (mode == Mode.LAMINA) {
          eff.removals(layer.root(), eff.lower.root(), false);
        }
        eff.visitChildren(layer.root());
      } catch (MissingWhiteout e) {
        eff.warnings.add("layer " + i + ": whiteout of missing path " + e.path
            + "; dive stops analysing the layer there, and so does --dive-compat");
      }
      eff.lower.apply(layer);
    }
    return eff.result();
  }

  /** Counts the leaves (and, for dive, the whiteouts) of a layer in dive's order. */
  private void visitChildren(LayerNode root) {
    DiveOrder.walk(root, (c, isWhiteout) -> {
      if (isWhiteout) {
        if (mode == Mode.DIVE) {
          diveWhiteout(c);
        }
      } else if (!c.hasChildren()) {
        occurrence("/" + c.path(), c.entry() == null ? 0 : c.entry().size());
      }
    });
  }

  /** Dive sizes a deleted directory by everything under it in the merged tree, and a deleted file as 0. */
  private void diveWhiteout(LayerNode node) {
    String path = "/" + node.path();
    LayerNode prev = lower.find(node.path());
    if (prev == null) {
      throw new MissingWhiteout(path);
    }
    boolean dir = prev.entry() != null && prev.entry().isDir();
    occurrence(path, dir ? prev.subtreeSize() : 0);
  }

  /**
   * Our rules for what a layer deletes: a whiteout deletes every file of the lower path, an opaque marker (or a
   * directory deleted and re-created in the same layer) deletes whatever of the lower directory the layer does not
   * name again, and a file replacing a directory deletes the directory's contents. {@code hiding} is set below an
   * opaque point.
   */
  private void removals(LayerNode upper, LayerNode lowerDir, boolean hiding) {
    if (upper.parent() != null) {
      hiding |= upper.opaque() != null || upper.whiteout() != null;
    } else {
      hiding |= upper.opaque() != null;
    }
    if (hiding && lowerDir != null) {
      for (LayerNode l : lowerDir.children()) {
        if (upper.child(l.name()) == null) {
          deleteAll(l);
        }
      }
    }
    for (LayerNode u : upper.children()) {
      LayerNode l = lowerDir == null ? null : lowerDir.child(u.name());
      boolean recreated = u.present();
      if (u.whiteout() != null && l == null) {
        warnings.add("whiteout of missing path /" + u.path() + " (no lower layer has it); ignored");
      }
      if (l == null) {
        if (u.hasChildren()) {
          removals(u, null, hiding); // nothing lower here, but deeper whiteouts may still be reported
        }
        continue;
      }
      if (u.whiteout() != null && !recreated) {
        deleteAll(l);
      } else if (u.entry() != null && !u.entry().isDir()) {
        for (LayerNode c : l.children()) {
          deleteAll(c);
        }
      } else if (u.hasChildren() || u.opaque() != null || u.whiteout() != null) {
        removals(u, l, hiding);
      }
    }
  }

  /** Every leaf under (or at) a deleted lower node is one more occurrence of that path, of size 0. */
  private void deleteAll(LayerNode prev) {
    prev.visitParentFirst(n -> {
      if (!n.hasChildren()) {
        occurrence("/" + n.path(), 0);
      }
    });
  }

  private void occurrence(String path, long size) {
    Acc acc = byPath.computeIfAbsent(path, Acc::new);
    acc.cumulative += size;
    acc.min = acc.count == 0 ? size : Math.min(acc.min, size);
    acc.count++;
    if (acc.count == 2) {
      inefficient.add(acc);
    }
  }

  private EfficiencyResult result() {
    long minSum = 0;
    long cumSum = 0;
    for (Acc a : byPath.values()) {
      minSum += a.min;
      cumSum += a.cumulative;
    }
    double score = cumSum == 0 ? 1.0 : (double) minSum / (double) cumSum;
    List<Acc> sorted = new ArrayList<>(inefficient);
    // dive sorts ascending and reports from the end; a stable sort keeps ties in a fixed order
    sorted.sort(Comparator.comparingLong((Acc a) -> a.cumulative));
    List<EfficiencyPath> out = new ArrayList<>(sorted.size());
    long wasted = 0;
    for (int i = sorted.size() - 1; i >= 0; i--) {
      Acc a = sorted.get(i);
      wasted += a.cumulative;
      out.add(new EfficiencyPath(a.path, a.count, a.cumulative, a.min));
    }
    return new EfficiencyResult(score, wasted, List.copyOf(out), List.copyOf(warnings));
  }

  private static final class Acc {
    final String path;
    int count;
    long cumulative;
    long min;

    Acc(String path) {
      this.path = path;
    }
  }

  /** Dive's visitor error on a whiteout of a missing path: ends the layer's walk. */
  private static final class MissingWhiteout extends RuntimeException {
    final String path;

    MissingWhiteout(String path) {
      super(path, null, false, false);
      this.path = path;
    }
  }
}
