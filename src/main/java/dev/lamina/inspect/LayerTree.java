package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The file tree of one layer as its tar describes it: entries, whiteouts and opaque markers, plus dive's size. */
public final class LayerTree {
  private final LayerNode root = LayerNode.newRoot();
  private final List<String> warnings = new ArrayList<>();
  private long sizeBytes;
  private int entryCount;

  /** Adds one tar entry (whiteouts and opaque markers included) to the tree. */
  public void add(LayerEntry e) {
    sizeBytes += e.size();
    entryCount++;
    LayerNode node = e.path().isEmpty() ? root : nodeFor(e.path());
    switch (e.kind()) {
      case WHITEOUT -> node.setWhiteout(e);
      case OPAQUE -> node.setOpaque(e);
      default -> node.setEntry(e);
    }
  }

  private LayerNode nodeFor(String path) {
    LayerNode n = root;
    int start = 0;
    while (true) {
      int slash = path.indexOf('/', start);
      n = n.childOrCreate(slash < 0 ? path.substring(start) : path.substring(start, slash));
      if (slash < 0) {
        return n;
      }
      start = slash + 1;
    }
  }

  void warn(String warning) {
    warnings.add(warning);
  }

  public LayerNode root() {
    return root;
  }

  /** Dive's layer size: the sum of the tar header sizes of all entries. */
  public long sizeBytes() {
    return sizeBytes;
  }

  public int entryCount() {
    return entryCount;
  }

  /** Problems found while reading the tar (skipped entries), for the user. */
  public List<String> warnings() {
    return Collections.unmodifiableList(warnings);
  }

  /** Whether the layer has an opaque-directory marker anywhere (where dive's numbers and ours differ). */
  public boolean hasOpaque() {
    boolean[] found = {false};
    root.visitParentFirst(n -> found[0] |= n.opaque() != null);
    return found[0];
  }
}
