package dev.lamina.fuse.kernel;

/**
 * One inode the kernel knows by node id: a name in a parent directory. The kernel holds {@link #lookups}
 * references to it (one per entry reply it received) and gives them back with FORGET.
 */
final class Node {
  final long id;
  volatile Node parent;
  volatile String name;
  /** Unlinked, or replaced by a rename: no path names it any more (an open file still reaches it). */
  volatile boolean detached;
  /** The merged inode number when it had other hard links (0 otherwise); see {@link NodeTable#siblings}. */
  volatile long linkedIno;
  /** Guarded by the table. */
  long lookups;
  /** Open files in each I/O mode, and the passthrough backing file; guarded by this node (see Passthrough). */
  int passthroughOpens;
  int cachedOpens;
  int backingId;
  long backingDev;
  long backingIno;
  /** Passthrough writes bypassed the page cache since the last cached open: do not keep it. */
  boolean cacheStale;

  Node(long id, Node parent, String name) {
    this.id = id;
    this.parent = parent;
    this.name = name;
  }

  @Override
  public String toString() {
    return "node " + id + " (" + name + ")";
  }
}
