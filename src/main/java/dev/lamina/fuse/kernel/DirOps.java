package dev.lamina.fuse.kernel;

import dev.lamina.fuse.kernel.Reply.Timeout;
import dev.lamina.fuse.kernel.Shared.NodeDir;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.DirEntry;
import java.io.IOException;
import java.util.List;

/**
 * Directory listing: opendir takes the merged snapshot, readdir pages through it by index (so offsets stay
 * stable while the directory is open), and readdirplus also returns each entry's attributes, which spares
 * the kernel a LOOKUP per name.
 */
final class DirOps {
  private static final Timeout NONE = new Timeout(0, 0);

  private final Shared s;
  private final UnionFs union;
  private final NodeTable nodes;

  DirOps(Shared s) {
    this.s = s;
    this.union = s.union;
    this.nodes = s.nodes;
  }

  void opendir(Request rq, Reply rp) throws IOException {
    Node n = nodes.get(rq.nodeid);
    long fh = s.dirs.add(new NodeDir(n, union.opendir(nodes.path(n))));
    rp.u64(fh).u32(0).u32(0);
  }

  void readdir(Request rq, Reply rp, boolean plus) throws IOException {
    NodeDir d = s.dirs.get(rq.u64());
    long offset = rq.u64();
    int size = Math.min(rq.u32(), rp.remaining());
    List<DirEntry> entries = union.readdir(d.dir(), offset);
    String dirPath = plus ? pathOrNull(d.node()) : null;
    int used = 0;
    long next = offset;
    for (DirEntry e : entries) {
      byte[] name = Reply.utf8(e.name());
      int need = Reply.direntSize(name.length) + (plus ? Protocol.ENTRY_OUT : 0);
      if (used + need > size) {
        break;
      }
      next++;
      if (plus) {
        entryOf(rp, d, dirPath, e);
      }
      // The offset of an entry is the index of the one after it, so a listing resumes where it stopped.
      rp.dirent(e.ino(), next, e.type(), name);
      used += need;
    }
  }

  /** The entry part of a direntplus; nodeid 0 (no entry) for "." and "..", or when the name is gone. */
  private void entryOf(Reply rp, NodeDir dir, String dirPath, DirEntry e) {
    String name = e.name();
    if (dirPath == null || name.equals(".") || name.equals("..")) {
      rp.entry(0, null, NONE, NONE);
      return;
    }
    Attr a;
    try {
      a = union.getattr(dir.dir(), dirPath, e);
    } catch (IOException | RuntimeException ex) {
      rp.entry(0, null, NONE, NONE);
      return;
    }
    Node n = nodes.lookup(dir.node(), name, a);
    rp.entry(n.id, a, s.options.entry(), s.attrValid(n, a));
  }

  private String pathOrNull(Node n) {
    try {
      return nodes.path(n);
    } catch (ErrnoException e) {
      return null;
    }
  }

  void releasedir(Request rq) throws IOException {
    union.releasedir(s.dirs.remove(rq.u64()).dir());
  }
}
