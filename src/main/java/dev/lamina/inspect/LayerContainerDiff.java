package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a container changed, as {@code docker diff} reports it: {@code A} added, {@code C} changed, {@code D}
 * deleted, one path per line in path order. Following Docker's rules for an overlay upper dir: a non-directory in
 * the upper dir that the image has is changed (it was copied up); a directory is changed when its type, mode or
 * owner differs or when something directly in it was added or deleted. Unlike Docker, an opaque directory (removed
 * and re-created) lists each lower path it hides as deleted instead of deleting the directory itself.
 */
public final class LayerContainerDiff {
  private LayerContainerDiff() {}

  /** One line of the report. */
  public record Change(char kind, String path) {
    @Override
    public String toString() {
      return kind + " /" + dev.lamina.sys.FileNames.printable(path); // bytes that are not UTF-8 as \\xNN
    }
  }

  /** The changes of {@code upper} on top of the image layers {@code lowers} (bottom first). */
  public static List<Change> of(List<LayerTree> lowers, LayerTree upper, List<String> warnings) {
    LayerAggregate image = new LayerAggregate(LayerAggregate.Rules.OCI);
    for (LayerTree t : lowers) {
      image.apply(t);
    }
    Map<String, Character> out = new TreeMap<>();
    for (LayerChange c : LayerDiff.of(upper, image, warnings)) {
      switch (c.type()) {
        case ADDED -> out.put(c.path(), 'A');
        case REMOVED -> out.put(c.path(), 'D');
        case MODIFIED -> out.put(c.path(), 'C');
        case UNMODIFIED -> {
          if (c.entry() != null && !c.entry().isDir()) {
            out.put(c.path(), 'C'); // copied up: Docker counts it changed even when the bytes are the same
          }
        }
      }
      if (c.type() == LayerDiffType.ADDED || c.type() == LayerDiffType.REMOVED) {
        String parent = LayerScanner.parentOf(c.path());
        if (!parent.isEmpty()) {
          out.putIfAbsent(parent, 'C');
        }
      }
    }
    List<Change> changes = new ArrayList<>(out.size());
    out.forEach((path, kind) -> changes.add(new Change(kind, path)));
    return changes;
  }
}
