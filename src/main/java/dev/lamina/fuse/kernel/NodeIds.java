package dev.lamina.fuse.kernel;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The nodes by id: an open-addressing table of the nodes themselves (no boxed key and no map entry per node,
 * which a {@code ConcurrentHashMap<Long, Node>} costs: 56 bytes a node, a fifth of the node table). Reads take
 * no lock, as every request reads its node; writes happen under the node table's lock. A removed node leaves a
 * tombstone, so a read never misses a node that is there; the table is rebuilt (and published whole) when
 * tombstones and nodes fill it, and shrinks when the kernel forgot most of its nodes, so it stays as large as
 * the kernel's cache.
 */
final class NodeIds {
  /** Marks a removed node's slot: reads go on past it, inserts may reuse it. */
  private static final Node TOMBSTONE = new Node(0, null, "");
  private static final int MIN_CAPACITY = 64;

  private volatile AtomicReferenceArray<Node> table = new AtomicReferenceArray<>(MIN_CAPACITY);
  /** Nodes, and slots in use (nodes and tombstones); guarded by the caller (the node table). */
  private int size;
  private int used;

  private static int slot(long id, int mask) {
    return (int) ((id * 0x9E3779B97F4A7C15L) >>> 32) & mask;
  }

  /** The node with this id, or null. */
  Node get(long id) {
    AtomicReferenceArray<Node> t = table;
    int mask = t.length() - 1;
    for (int i = slot(id, mask); ; i = (i + 1) & mask) {
      Node n = t.getAcquire(i);
      if (n == null) {
        return null;
      }
      if (n.id == id && n != TOMBSTONE) {
        return n;
      }
    }
  }

  /** Adds a node whose id is in the table under no other node. */
  void put(Node node) {
    AtomicReferenceArray<Node> t = table;
    if ((used + 1) * 4L > t.length() * 3L) {
      t = rebuild(size + 1 > t.length() / 2 ? t.length() * 2 : t.length());
    }
    int mask = t.length() - 1;
    for (int i = slot(node.id, mask); ; i = (i + 1) & mask) {
      Node n = t.get(i);
      if (n == null || n == TOMBSTONE) {
        if (n == null) {
          used++;
        }
        t.setRelease(i, node);
        size++;
        return;
      }
    }
  }

  /** Removes the node with this id; returns it, or null when there was none. */
  Node remove(long id) {
    AtomicReferenceArray<Node> t = table;
    int mask = t.length() - 1;
    for (int i = slot(id, mask); ; i = (i + 1) & mask) {
      Node n = t.get(i);
      if (n == null) {
        return null;
      }
      if (n.id == id && n != TOMBSTONE) {
        t.setRelease(i, TOMBSTONE);
        size--;
        if (t.length() > MIN_CAPACITY && size * 8L < t.length()) {
          rebuild(t.length() / 4);
        }
        return n;
      }
    }
  }

  int size() {
    return size;
  }

  /** Slots of the table now (for tests: it shrinks once the kernel forgot most nodes). */
  int capacity() {
    return table.length();
  }

  /** Copies the nodes into a table of {@code capacity} slots (at least twice the nodes) and publishes it. */
  private AtomicReferenceArray<Node> rebuild(int capacity) {
    int cap = Math.max(MIN_CAPACITY, capacity);
    while (size * 2L > cap) {
      cap *= 2;
    }
    AtomicReferenceArray<Node> old = table;
    AtomicReferenceArray<Node> t = new AtomicReferenceArray<>(cap);
    int mask = cap - 1;
    for (int j = 0; j < old.length(); j++) {
      Node n = old.get(j);
      if (n != null && n != TOMBSTONE) {
        int i = slot(n.id, mask);
        while (t.get(i) != null) {
          i = (i + 1) & mask;
        }
        t.set(i, n);
      }
    }
    used = size;
    table = t; // readers of the old table still find every node it held: it is not changed any more
    return t;
  }
}
