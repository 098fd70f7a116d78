package dev.lamina.fuse.kernel;

import dev.lamina.fuse.kernel.Node.Name;
import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.Fcntl;
import dev.lamina.union.UnionFs.Attr;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel's node ids and the names they stand for. The overlay core works on paths; a node's path is
 * found by walking up its parents, so renaming a directory moves its whole subtree by changing one node.
 * Node ids are never reused.
 *
 * <p>Every name of one upper-layer inode is one node (found by the entry's {@link Attr#linkId}), the way
 * a passthrough file system keys nodes by inode: LINK and the LOOKUP of another name answer with the node
 * the kernel already has, so the kernel holds one inode with one set of attributes for them, and a link,
 * a write or a truncate through one name is seen through every other at once (link count, size, times).
 * Names of a lower layer's hard link stay separate nodes: a change through one copies up only that one, as
 * on kernel overlayfs without index.
 */
final class NodeTable {
  private final Node root = new Node(Protocol.ROOT_ID, null, "");
  private final NodeIds byId = new NodeIds();
  /** Nodes by each of their names; the key is the node's own {@link Name} (no key object per node). */
  private final ConcurrentHashMap<Name, Node> byName = new ConcurrentHashMap<>();
  /** Nodes of multiply-linked upper inodes by linkId; guarded by this table. */
  private final ConcurrentHashMap<Long, Node> byLink = new ConcurrentHashMap<>();
  private long nextId = Protocol.ROOT_ID + 1;

  NodeTable() {
    root.lookups = 1;
    byId.put(root);
  }

  Node get(long id) throws ErrnoException {
    Node n = byId.get(id);
    if (n == null) {
      // The kernel never names a node it forgot; this is a bug, and ESTALE makes it drop its dentry.
      throw new ErrnoException(Errno.ESTALE, "node", "id " + id);
    }
    return n;
  }

  /** The node's path from the mount root ("/" for the root); ENOENT once it or a parent was removed. */
  String path(Node n) throws ErrnoException {
    if (n == root) {
      return "/";
    }
    String[] parts = new String[16];
    int depth = 0;
    int len = 0;
    for (Node c = n; c != root; ) {
      Name at = c.at;
      if (c.detached || at == null) {
        throw new ErrnoException(Errno.ENOENT, "node", c.name() + " was removed");
      }
      if (depth == parts.length) {
        parts = java.util.Arrays.copyOf(parts, depth * 2);
      }
      parts[depth++] = at.name();
      len += at.name().length() + 1;
      c = at.parent();
    }
    StringBuilder sb = new StringBuilder(len);
    for (int i = depth - 1; i >= 0; i--) {
      sb.append('/').append(parts[i]);
    }
    return sb.toString();
  }

  static String child(String parentPath, String name) {
    return parentPath.length() == 1 ? "/" + name : parentPath + "/" + name;
  }

  /**
   * The node for {@code name} in {@code parent}, counting one more kernel reference to it: the node the
   * name already has, else the node of the same upper inode under another name, else a new one.
   */
  synchronized Node lookup(Node parent, String name, Attr attr) {
    Node n = byName.get(new Name(parent, name));
    if (n == null) {
      // names in lower layers (and of directories) are interned: the lower listings and the node tables of every
      // mount of an image share one copy of each. Not upper files' names, which are the mount's own: a long run
      // making ever new names would only churn the JVM's string table.
      if (attr.linkId() == 0) {
        name = name.intern();
      }
      n = linked(attr);
      Name at;
      if (n != null) {
        at = addName(n, parent, name);
      } else {
        n = new Node(nextId++, parent, name);
        at = n.at;
        byId.put(n);
      }
      byName.put(at, n);
    }
    n.lookups++;
    if (attr.linkId() != 0 && attr.nlink() > 1 && !isDir(attr)) {
      register(n, attr.linkId());
    }
    return n;
  }

  /** A new node without a name (an O_TMPFILE file made in {@code parent}), with the kernel's one reference. */
  synchronized Node unnamed(Node parent) {
    Node n = new Node(nextId++, parent, "");
    n.detached = true;
    n.lookups = 1;
    byId.put(n);
    return n;
  }

  /**
   * LINK made {@code name} in {@code parent} another name of {@code source}'s inode, whose attributes are
   * now {@code attr}: the new name is the same node (one more kernel reference). Should the new name be no
   * upper inode (it always is), it gets a node of its own.
   */
  synchronized Node linked(Node source, Node parent, String name, Attr attr) {
    if (attr.linkId() == 0 || isDir(attr) || byId.get(source.id) != source) {
      return lookup(parent, name, attr);
    }
    Node old = byName.get(new Name(parent, name));
    if (old != null && old != source) {
      byName.remove(new Name(parent, name));
      dropName(old, parent, name); // a stale name (the kernel had a negative entry): it is source's now
    }
    if (old != source) {
      byName.put(addName(source, parent, name), source);
    }
    source.lookups++;
    register(source, attr.linkId());
    return source;
  }

  private static boolean isDir(Attr a) {
    return (a.mode() & Fcntl.S_IFMT) == Fcntl.S_IFDIR;
  }

  /** The live node of the multiply-linked upper inode of attr, or null. */
  private Node linked(Attr attr) {
    if (attr.linkId() == 0 || attr.nlink() <= 1 || isDir(attr)) {
      return null;
    }
    Node n = byLink.get(attr.linkId());
    return n != null && !n.detached ? n : null;
  }

  private void register(Node n, long linkId) {
    if (n.linkId == linkId) {
      return;
    }
    unregister(n);
    if (byLink.putIfAbsent(linkId, n) == null) {
      n.linkId = linkId;
    }
  }

  private void unregister(Node n) {
    if (n.linkId != 0) {
      byLink.remove(n.linkId, n);
      n.linkId = 0;
    }
  }

  /** Gives n one more name (the first again if it had none left); returns it. */
  private Name addName(Node n, Node parent, String name) {
    Name nm = new Name(parent, name);
    if (n.detached) {
      n.at = nm;
      n.detached = false;
      return nm;
    }
    if (n.moreNames == null) {
      n.moreNames = new ArrayList<>(2);
    }
    n.moreNames.add(nm);
    return nm;
  }

  /** Takes one name from n; with none left n is detached (and no longer found by its inode). */
  private void dropName(Node n, Node parent, String name) {
    Name at = n.at;
    if (at != null && at.parent() == parent && at.name().equals(name)) {
      if (n.moreNames != null && !n.moreNames.isEmpty()) {
        n.at = n.moreNames.remove(n.moreNames.size() - 1);
      } else {
        n.detached = true;
        unregister(n);
      }
    } else if (n.moreNames != null) {
      n.moreNames.removeIf(m -> m.parent() == parent && m.name().equals(name));
    }
    if (n.moreNames != null && n.moreNames.isEmpty()) {
      n.moreNames = null;
    }
  }

  /** Renames one of n's names; returns the new one. */
  private static Name moveName(Node n, Node from, String fromName, Node to, String toName) {
    Name moved = new Name(to, toName.intern());
    Name at = n.at;
    if (at != null && at.parent() == from && at.name().equals(fromName)) {
      n.at = moved;
    } else if (n.moreNames != null) {
      n.moreNames.replaceAll(m -> m.parent() == from && m.name().equals(fromName) ? moved : m);
    }
    return moved;
  }

  /** Counts {@code n} fewer kernel references; at zero the node is gone. */
  synchronized void forget(long id, long n) {
    Node node = byId.get(id);
    if (node == null || node == root) {
      return;
    }
    node.lookups -= n;
    if (node.lookups <= 0) {
      byId.remove(id);
      Name at = node.at;
      if (!node.detached && at != null) {
        byName.remove(at, node);
      }
      if (node.moreNames != null) {
        for (Name m : node.moreNames) {
          byName.remove(m, node);
        }
        node.moreNames = null;
      }
      unregister(node);
    }
  }

  /** {@code name} was unlinked from {@code parent}; returns its node (detached unless it has other names) or null. */
  synchronized Node removed(Node parent, String name) {
    Node n = byName.remove(new Name(parent, name));
    if (n != null) {
      dropName(n, parent, name);
    }
    return n;
  }

  /**
   * A rename happened; returns the node it replaced at the target (detached unless it has other names), or
   * null. RENAME_EXCHANGE swaps the two names.
   */
  synchronized Node renamed(Node from, String fromName, Node to, String toName, boolean exchange) {
    Node moved = byName.remove(new Name(from, fromName));
    Node target = byName.remove(new Name(to, toName));
    if (target != null && target != moved && !exchange) {
      dropName(target, to, toName);
    }
    if (moved != null) {
      byName.put(moveName(moved, from, fromName, to, toName), moved);
    }
    if (target != null && exchange) {
      byName.put(moveName(target, to, toName, from, fromName), target);
      return null;
    }
    return target != null && target != moved ? target : null;
  }

  synchronized int size() {
    return byId.size();
  }

  /** Slots of the by-id table (for tests). */
  synchronized int idCapacity() {
    return byId.capacity();
  }
}
