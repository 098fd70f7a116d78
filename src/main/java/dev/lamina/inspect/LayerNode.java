package dev.lamina.inspect;

import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A node of a layer's file tree or of a merged (aggregate) tree. Children are kept sorted by name (byte order for
 * ASCII names, as dive sorts), so every traversal is deterministic.
 *
 * <p>In a single layer's tree a node may carry a regular {@link #entry()}, a {@link #whiteout()} (the layer deletes
 * the lower path) and an {@link #opaque()} marker at once: a layer may delete {@code x} and add a new {@code x}. A node
 * with none of them exists only because the tar names something below it (an implicit directory).
 */
public final class LayerNode {
  private final String name;
  private final LayerNode parent;
  private LayerEntry entry;
  private LayerEntry whiteout;
  private LayerEntry opaque;
  private TreeMap<String, LayerNode> children;

  private LayerNode(String name, LayerNode parent) {
    this.name = name;
    this.parent = parent;
  }

  static LayerNode newRoot() {
    return new LayerNode("", null);
  }

  public String name() {
    return name;
  }

  public LayerNode parent() {
    return parent;
  }

  /** Path relative to the root without leading slash; "" for the root. */
  public String path() {
    if (parent == null) {
      return "";
    }
    String p = parent.path();
    return p.isEmpty() ? name : p + "/" + name;
  }

  /** The entry the tar gave for this path, or null for an implicit directory (or a pure whiteout). */
  public LayerEntry entry() {
    return entry;
  }

  public LayerEntry whiteout() {
    return whiteout;
  }

  public LayerEntry opaque() {
    return opaque;
  }

  void setEntry(LayerEntry e) {
    entry = e;
  }

  void setWhiteout(LayerEntry e) {
    whiteout = e;
  }

  void setOpaque(LayerEntry e) {
    opaque = e;
  }

  /** Whether the node stands for a directory: an explicit directory entry, an implicit one, or the root. */
  public boolean isDir() {
    return entry == null ? (hasChildren() || opaque != null || parent == null) : entry.isDir();
  }

  /**
   * Whether a layer puts something at this path: an entry, an opaque marker, or (an implicit directory) anything
   * present below it. A node holding only whiteouts, itself or below, only deletes.
   */
  public boolean present() {
    if (entry != null || opaque != null) {
      return true;
    }
    for (LayerNode c : children()) {
      if (c.present()) {
        return true;
      }
    }
    return false;
  }

  public boolean hasChildren() {
    return children != null && !children.isEmpty();
  }

  public LayerNode child(String childName) {
    return children == null ? null : children.get(childName);
  }

  public Collection<LayerNode> children() {
    return children == null ? List.of() : children.values();
  }

  LayerNode childOrCreate(String childName) {
    if (children == null) {
      children = new TreeMap<>();
    }
    return children.computeIfAbsent(childName, n -> new LayerNode(n, this));
  }

  void removeChild(String childName) {
    if (children != null) {
      children.remove(childName);
    }
  }

  void clearChildren() {
    children = null;
  }

  /** Finds a descendant by relative path ("" is this node), or null. */
  public LayerNode find(String relPath) {
    LayerNode n = this;
    if (relPath.isEmpty()) {
      return n;
    }
    int start = 0;
    while (n != null && start <= relPath.length()) {
      int slash = relPath.indexOf('/', start);
      int end = slash < 0 ? relPath.length() : slash;
      n = n.child(relPath.substring(start, end));
      if (slash < 0) {
        break;
      }
      start = slash + 1;
    }
    return n;
  }

  /** Sum of the entry sizes of this node and everything below it. */
  public long subtreeSize() {
    long[] sum = {0};
    visitParentFirst(n -> sum[0] += n.entry == null ? 0 : n.entry.size());
    return sum[0];
  }

  /** Number of nodes below this one (not counting itself). */
  public int descendantCount() {
    int[] count = {-1};
    visitParentFirst(n -> count[0]++);
    return count[0];
  }

  /** Visits this node, then its children in name order, depth first. */
  public void visitParentFirst(Consumer<LayerNode> visitor) {
    visitor.accept(this);
    for (LayerNode c : children()) {
      c.visitParentFirst(visitor);
    }
  }

  /** Visits the children in name order depth first, then this node (dive's VisitDepthChildFirst). */
  public void visitChildFirst(Consumer<LayerNode> visitor) {
    for (LayerNode c : children()) {
      c.visitChildFirst(visitor);
    }
    visitor.accept(this);
  }

  @Override
  public String toString() {
    return "/" + path();
  }
}
