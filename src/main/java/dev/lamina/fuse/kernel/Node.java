package dev.lamina.fuse.kernel;

import java.util.List;

/**
 * One inode the kernel knows by node id. It has a name in a parent directory ({@link #at}); a hard-linked
 * file of the upper layer has several, all of them one node, so the kernel keeps one inode (one set of
 * attributes, one page cache) for them as it does on overlayfs. The kernel holds {@link #lookups}
 * references to the node (one per entry reply it received) and gives them back with FORGET.
 */
final class Node {
  /**
   * A name of a node: the directory it is in and the name there. Immutable, so a path walk reads it whole; the
   * node table finds nodes by it. equals and hashCode are written out: a record's generated ones bootstrap method
   * handles on first use, which every fresh mount would pay for on its first requests.
   */
  record Name(Node parent, String name) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Name n && n.parent == parent && n.name.equals(name);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(parent.id) * 31 + name.hashCode();
    }
  }

  /**
   * How a node's files are open (see Passthrough); made on its first open, as most nodes the kernel holds are
   * never opened (a walk looks every name up), and kept, since {@link #cacheStale} outlives the opens.
   */
  static final class Io {
    int passthroughOpens;
    int cachedOpens;
    int backingId;
    long backingDev;
    long backingIno;
    /** Passthrough writes bypassed the page cache since the last cached open: do not keep it. */
    boolean cacheStale;
    /** Passthrough opens that may write: the kernel changes the file's times and size without telling us. */
    int passthroughWriters;
  }

  final long id;
  /** The name the node's path is built from; the last one it had once it has none ({@link #detached}). */
  volatile Name at;
  /** No name left: unlinked, or replaced by a rename (an open file still reaches it). */
  volatile boolean detached;
  /** Its other names (hard links), null when it has one; guarded by the table. */
  List<Name> moreNames;
  /** The {@link dev.lamina.union.UnionFs.Attr#linkId} it is known under in the table, 0 for none; guarded by the table. */
  long linkId;
  /** Guarded by the table. */
  long lookups;
  /** Open files in each I/O mode, and the passthrough backing file, null until first opened; guarded by this node. */
  private Io io;

  Node(long id, Node parent, String name) {
    this.id = id;
    this.at = parent == null ? null : new Name(parent, name);
  }

  /** Its open-file state, made now if it has none; the caller holds this node's lock. */
  Io io() {
    Io i = io;
    if (i == null) {
      i = io = new Io();
    }
    return i;
  }

  /**
   * Whether a passthrough open that may write is open, so that the kernel must not cache the attributes we
   * send (see {@link Shared#attrValid}). The unlocked look at {@link #io} can miss an open made at the same
   * moment; that open invalidates the kernel's attributes after it counted itself, and the kernel drops any
   * reply to a request sent before that (its attr_version check).
   */
  boolean passthroughWriting() {
    Io i = io;
    if (i == null) {
      return false;
    }
    synchronized (this) {
      return i.passthroughWriters > 0;
    }
  }

  /** The name of the node's path (its last one once detached); "" for the root. */
  String name() {
    Name a = at;
    return a == null ? "" : a.name();
  }

  @Override
  public String toString() {
    return "node " + id + " (" + name() + ")";
  }
}
