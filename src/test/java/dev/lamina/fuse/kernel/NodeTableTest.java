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

  @Test
  void namesOfOneMultiplyLinkedInodeAreSiblings() {
    Node root = rootOf(t);
    Node a = t.lookup(root, "a", attr(9, 0100644, 2));
    Node b = t.lookup(root, "b", attr(9, 0100644, 2));
    Node c = t.lookup(root, "c", file(10));
    assertThat(t.siblings(a)).containsExactly(b);
    assertThat(t.siblings(c)).isEmpty();
    t.forget(b.id, 1);
    assertThat(t.siblings(a)).isEmpty();
  }

  private static Node rootOf(NodeTable t) {
    try {
      return t.get(Protocol.ROOT_ID);
    } catch (ErrnoException e) {
      throw new AssertionError(e);
    }
  }
}
