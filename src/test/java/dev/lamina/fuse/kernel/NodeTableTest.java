package dev.lamina.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.Timespec;
import org.junit.jupiter.api.Test;

class NodeTableTest {
  private final NodeTable t = new NodeTable();

  private static Attr attr(long ino, int mode, long nlink) {
    Timespec z = new Timespec(0, 0);
    return new Attr(ino, mode, nlink, 0, 0, 0, 0, 0, 4096, z, z, z);
  }

  private static Attr dir(long ino) {
    return attr(ino, 0040755, 2);
  }

  private static Attr file(long ino) {
    return attr(ino, 0100644, 1);
  }

  @Test
  void pathsAreBuiltFromParentsAndFollowARenamedDirectory() throws ErrnoException {
    Node root = t.get(Protocol.ROOT_ID);
    Node a = t.lookup(root, "a", dir(2));
    Node f = t.lookup(a, "f", file(3));
    assertThat(t.path(root)).isEqualTo("/");
    assertThat(t.path(f)).isEqualTo("/a/f");
    Node b = t.lookup(root, "b", dir(4));
    t.renamed(root, "a", b, "moved", false);
    assertThat(t.path(f)).isEqualTo("/b/moved/f");
    assertThat(t.lookup(b, "moved", dir(2))).isSameAs(a);
  }

  @Test
  void aLookupOfTheSameNameReusesTheNodeAndForgetCountsDown() throws ErrnoException {
    Node root = t.get(Protocol.ROOT_ID);
    Node a = t.lookup(root, "a", file(2));
    assertThat(t.lookup(root, "a", file(2))).isSameAs(a);
    t.forget(a.id, 1);
    assertThat(t.get(a.id)).isSameAs(a);
    t.forget(a.id, 1);
    assertThatThrownBy(() -> t.get(a.id)).isInstanceOf(ErrnoException.class);
    Node again = t.lookup(root, "a", file(2));
    assertThat(again.id).isNotEqualTo(a.id); // ids are never reused
  }

  @Test
  void anUnlinkedNodeHasNoPathAndItsNameIsFreeForANewNode() throws ErrnoException {
    Node root = t.get(Protocol.ROOT_ID);
    Node a = t.lookup(root, "a", file(2));
    assertThat(t.removed(root, "a")).isSameAs(a);
    assertThat(a.detached).isTrue();
    assertThatThrownBy(() -> t.path(a)).isInstanceOf(ErrnoException.class);
    assertThat(t.lookup(root, "a", file(5))).isNotSameAs(a);
  }

  @Test
  void renameOverATargetDetachesItAndExchangeSwaps() throws ErrnoException {
    Node root = t.get(Protocol.ROOT_ID);
    Node x = t.lookup(root, "x", file(2));
    Node y = t.lookup(root, "y", file(3));
    assertThat(t.renamed(root, "x", root, "y", true)).isNull();
    assertThat(t.path(x)).isEqualTo("/y");
    assertThat(t.path(y)).isEqualTo("/x");
    assertThat(t.renamed(root, "x", root, "y", false)).isSameAs(x);
    assertThat(x.detached).isTrue();
    assertThat(t.path(y)).isEqualTo("/y");
  }

  private static Attr upper(long ino, long nlink) {
    Timespec z = new Timespec(0, 0);
    return new Attr(ino, 0100644, nlink, 0, 0, 0, 0, 0, 4096, z, z, z, 1000 + ino);
  }

  @Test
  void everyNameOfAMultiplyLinkedUpperInodeIsOneNode() throws ErrnoException {
    Node root = rootOf(t);
    Node a = t.lookup(root, "a", upper(9, 2));
    Node b = t.lookup(root, "b", upper(9, 2));
    Node c = t.lookup(root, "c", upper(10, 1));
    assertThat(b).isSameAs(a);
    assertThat(c).isNotSameAs(a);
    assertThat(a.lookups).isEqualTo(2);
    // unlinking one name leaves the node reachable through the other
    t.removed(root, "a");
    assertThat(a.detached).isFalse();
    assertThat(t.path(a)).isEqualTo("/b");
    t.removed(root, "b");
    assertThat(a.detached).isTrue();
    // a new inode under the same linkId (a reused inode number) gets a new node
    assertThat(t.lookup(root, "d", upper(9, 2))).isNotSameAs(a);
  }

  @Test
  void aLinkAnswersWithTheSourceNodeAndRenamesMoveEachNameOnItsOwn() throws ErrnoException {
    Node root = rootOf(t);
    Node dir = t.lookup(root, "dir", dir(3));
    Node a = t.lookup(root, "a", upper(9, 1));
    assertThat(t.linked(a, dir, "b", upper(9, 2))).isSameAs(a);
    assertThat(t.lookup(dir, "b", upper(9, 2))).isSameAs(a);
    assertThat(t.lookup(root, "c", upper(9, 3))).isSameAs(a);
    t.renamed(dir, "b", root, "b2", false);
    assertThat(t.lookup(root, "b2", upper(9, 3))).isSameAs(a);
    t.removed(root, "a");
    t.removed(root, "c");
    assertThat(t.path(a)).isEqualTo("/b2");
    // every kernel reference given back: the names are free again
    t.forget(a.id, a.lookups);
    assertThat(t.lookup(root, "b2", upper(9, 1))).isNotSameAs(a);
  }

  @Test
  void namesOfALowerHardLinkStaySeparateNodes() {
    Node root = rootOf(t);
    Node a = t.lookup(root, "hl1", attr(9, 0100644, 2));
    Node b = t.lookup(root, "hl2", attr(9, 0100644, 2));
    assertThat(b).isNotSameAs(a);
  }

  private static Node rootOf(NodeTable t) {
    try {
      return t.get(Protocol.ROOT_ID);
    } catch (ErrnoException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theTableOfIdsShrinksOnceTheKernelForgotMostNodesAndFindsTheRest() throws ErrnoException {
    Node root = t.get(Protocol.ROOT_ID);
    int n = 20_000;
    Node[] nodes = new Node[n];
    for (int i = 0; i < n; i++) {
      nodes[i] = t.lookup(root, "f" + i, file(100 + i));
    }
    int full = t.idCapacity();
    assertThat(full).isGreaterThanOrEqualTo(n);
    for (int i = 0; i < n; i++) {
      if (i % 100 != 0) {
        t.forget(nodes[i].id, 1);
      }
    }
    assertThat(t.size()).isEqualTo(n / 100 + 1);
    assertThat(t.idCapacity()).as("slots for %d nodes left", t.size()).isLessThanOrEqualTo(full / 16);
    for (int i = 0; i < n; i++) {
      if (i % 100 == 0) {
        assertThat(t.get(nodes[i].id)).isSameAs(nodes[i]);
      } else {
        long id = nodes[i].id;
        assertThatThrownBy(() -> t.get(id)).isInstanceOf(ErrnoException.class);
      }
    }
    // names given up are free, and new nodes are found among the tombstones
    Node again = t.lookup(root, "f1", file(101));
    assertThat(again).isNotSameAs(nodes[1]);
    assertThat(t.get(again.id)).isSameAs(again);
  }

  @Test
  void lookupsOfOneNameShareItsStringWithOtherMountsAndTheLowerListings() throws ErrnoException {
    Node root = t.get(Protocol.ROOT_ID);
    String name = new String("shared-name".toCharArray()); // not the literal's instance
    Node a = t.lookup(root, name, file(2));
    Node b = new NodeTable().lookup(new NodeTable().get(Protocol.ROOT_ID), new String(name.toCharArray()), file(2));
    assertThat(a.name()).isSameAs(b.name()).isSameAs("shared-name".intern());
  }

  @Test
  void theTableOfIdsAgreesWithAMapThroughRandomLookupsAndForgets() throws ErrnoException {
    Node root = t.get(Protocol.ROOT_ID);
    java.util.Map<Long, Node> model = new java.util.HashMap<>();
    java.util.List<Long> ids = new java.util.ArrayList<>();
    java.util.Random rnd = new java.util.Random(13);
    for (int step = 0; step < 200_000; step++) {
      if (ids.isEmpty() || rnd.nextInt(100) < (step < 100_000 ? 60 : 35)) {
        Node n = t.lookup(root, "n" + step, file(1000 + step));
        model.put(n.id, n);
        ids.add(n.id);
      } else {
        int k = rnd.nextInt(ids.size());
        long id = ids.get(k);
        ids.set(k, ids.get(ids.size() - 1));
        ids.remove(ids.size() - 1);
        t.forget(id, 1);
        model.remove(id);
        assertThatThrownBy(() -> t.get(id)).isInstanceOf(ErrnoException.class);
      }
      if (step % 10_000 == 0) {
        for (java.util.Map.Entry<Long, Node> e : model.entrySet()) {
          assertThat(t.get(e.getKey())).isSameAs(e.getValue());
        }
      }
    }
    assertThat(t.size()).isEqualTo(model.size() + 1); // and the root
    for (java.util.Map.Entry<Long, Node> e : model.entrySet()) {
      assertThat(t.get(e.getKey())).isSameAs(e.getValue());
    }
  }
}
