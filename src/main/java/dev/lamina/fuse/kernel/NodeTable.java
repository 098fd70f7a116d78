package dev.lamina.fuse.kernel;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.sys.Fcntl;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel's node ids and the names they stand for. The overlay core works on paths; a node's path is
 * found by walking up its parents, so renaming a directory moves its whole subtree by changing one node.
 * Node ids are never reused. Hard links are separate nodes (one per name, like libfuse's path API), and the
 * nodes of one multiply-linked inode are tracked so a change through one name invalidates the others.
 */
final class NodeTable {
  /**
   * A name in a parent. equals and hashCode are written out: a record's generated ones bootstrap method handles
   * on first use, which every fresh mount would pay for on its first requests.
   */
  private record Key(long parent, String name) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.parent == parent && k.name.equals(name);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(parent) * 31 + name.hashCode();
    }
  }

  private final Node root = new Node(Protocol.ROOT_ID, null, "");
  private final ConcurrentHashMap<Long, Node> byId = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Node> byName = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Set<Node>> links = new ConcurrentHashMap<>();
  private long nextId = Protocol.ROOT_ID + 1;

  NodeTable() {
    root.lookups = 1;
    byId.put(root.id, root);
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
    if (n.parent == null) {
      return "/";
    }
    String[] parts = new String[16];
    int depth = 0;
    int len = 0;
    for (Node c = n; c.parent != null; c = c.parent) {
      if (c.detached) {
        throw new ErrnoException(Errno.ENOENT, "node", c.name + " was removed");
      }
      if (depth == parts.length) {
        parts = java.util.Arrays.copyOf(parts, depth * 2);
      }
      String name = c.name;
      parts[depth++] = name;
      len += name.length() + 1;
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

  /** The node for {@code name} in {@code parent}, counting one more kernel reference to it. */
  synchronized Node lookup(Node parent, String name, Attr attr) {
    Key k = new Key(parent.id, name);
    Node n = byName.get(k);
    if (n == null) {
      n = new Node(nextId++, parent, name);
      byId.put(n.id, n);
      byName.put(k, n);
    }
    n.lookups++;
    if (attr.nlink() > 1 && (attr.mode() & Fcntl.S_IFMT) != Fcntl.S_IFDIR) {
      track(n, attr.ino());
    }
    return n;
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
      if (node.parent != null) {
        byName.remove(new Key(node.parent.id, node.name), node);
      }
      untrack(node);
    }
  }

  /** {@code name} was unlinked from {@code parent}; returns its node (now detached) or null. */
  synchronized Node removed(Node parent, String name) {
    Node n = byName.remove(new Key(parent.id, name));
    if (n != null) {
      n.detached = true;
    }
    return n;
  }

  /**
   * A rename happened; returns the node it replaced at the target (detached), or null. RENAME_EXCHANGE
   * swaps the two names.
   */
  synchronized Node renamed(Node from, String fromName, Node to, String toName, boolean exchange) {
    Key src = new Key(from.id, fromName);
    Key dst = new Key(to.id, toName);
    Node moved = byName.remove(src);
    Node target = byName.remove(dst);
    if (moved != null) {
      moved.parent = to;
      moved.name = toName;
      byName.put(dst, moved);
    }
    if (target != null && exchange) {
      target.parent = from;
      target.name = fromName;
      byName.put(src, target);
      return null;
    }
    if (target != null && target != moved) {
      target.detached = true;
      return target;
    }
    return null;
  }

  /** Records that {@code n} is one name of the multiply-linked inode {@code ino}. */
  synchronized void track(Node n, long ino) {
    if (n.linkedIno == ino) {
      return;
    }
    untrack(n);
    n.linkedIno = ino;
    links.computeIfAbsent(ino, i -> ConcurrentHashMap.newKeySet()).add(n);
  }

  private void untrack(Node n) {
    long ino = n.linkedIno;
    if (ino == 0) {
      return;
    }
    Set<Node> s = links.get(ino);
    if (s != null) {
      s.remove(n);
      if (s.isEmpty()) {
        links.remove(ino);
      }
    }
    n.linkedIno = 0;
  }

  /** The other nodes of {@code n}'s inode (other names of a hard-linked file); empty for most files. */
  List<Node> siblings(Node n) {
    long ino = n.linkedIno;
    if (ino == 0) {
      return List.of();
    }
    Set<Node> s = links.get(ino);
    if (s == null) {
      return List.of();
    }
    List<Node> out = new ArrayList<>(s.size());
    for (Node o : s) {
      if (o != n) {
        out.add(o);
      }
    }
    return out;
  }

  int size() {
    return byId.size();
  }
}
