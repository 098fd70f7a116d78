package dev.lamina.fuse.kernel;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.Caller;
import dev.lamina.union.UnionFs.OpenFile;
import dev.lamina.union.UnionFs.Timespec;
import java.io.IOException;

/** Operations on names and attributes: lookup, getattr/setattr, and creating, removing and renaming names. */
final class EntryOps {
  private final Shared s;
  private final UnionFs union;
  private final NodeTable nodes;

  EntryOps(Shared s) {
    this.s = s;
    this.union = s.union;
    this.nodes = s.nodes;
  }

  void lookup(Request rq, Reply rp) throws IOException {
    Node parent = nodes.get(rq.nodeid);
    String name = rq.name();
    Attr a;
    try {
      a = union.getattr(NodeTable.child(nodes.path(parent), name));
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOENT && !s.options.negative().isZero()) {
        // A negative entry: the kernel remembers the absence; creating the name through it replaces it.
        rp.entry(0, null, s.options.negative(), s.options.attr());
        return;
      }
      throw e;
    }
    entry(rp, parent, name, a);
  }

  /** Replies with the entry of a name that now exists, counting the kernel's new reference. */
  Node entry(Reply rp, Node parent, String name, Attr a) {
    Node n = nodes.lookup(parent, name, a);
    rp.entry(n.id, a, s.options.entry(), s.attrValid(n, a));
    return n;
  }

  void forget(Request rq) {
    nodes.forget(rq.nodeid, rq.u64());
  }

  void batchForget(Request rq) {
    int count = rq.u32();
    rq.skip(4);
    for (int i = 0; i < count; i++) {
      long id = rq.u64();
      nodes.forget(id, rq.u64());
    }
  }

  void getattr(Request rq, Reply rp) throws IOException {
    int flags = rq.u32();
    rq.skip(4);
    long fh = rq.u64();
    Node n = nodes.get(rq.nodeid);
    attrOut(rp, n, (flags & Protocol.GETATTR_FH) != 0 ? union.fgetattr(s.file(fh)) : attr(n));
  }

  /** The attributes of a node by path, or through an open handle once it has no name. */
  private Attr attr(Node n) throws IOException {
    if (n.detached) {
      return s.detachedAttr(n);
    }
    return union.getattr(nodes.path(n));
  }

  private void attrOut(Reply rp, Node n, Attr a) {
    Reply.Timeout valid = s.attrValid(n, a);
    rp.u64(valid.sec()).u32(valid.nsec()).u32(0).attr(a);
  }

  void setattr(Request rq, Reply rp) throws IOException {
    Node n = nodes.get(rq.nodeid);
    int valid = rq.u32();
    rq.skip(4);
    long fh = rq.u64();
    long size = rq.u64();
    rq.skip(8); // lock_owner
    long atime = rq.u64();
    long mtime = rq.u64();
    rq.skip(8); // ctime
    int atimensec = rq.u32();
    int mtimensec = rq.u32();
    rq.skip(4);
    int mode = rq.u32();
    rq.skip(4);
    int uid = rq.u32();
    int gid = rq.u32();
    OpenFile file = (valid & Protocol.FATTR_FH) != 0 ? s.file(fh) : null;
    if (SetIdKill.concerns(valid, mode)) {
      Attr cur = file != null ? union.fgetattr(file) : attr(n);
      int next = SetIdKill.setattrMode(valid, mode, gid, cur, SetIdKill.caller(rq));
      if (next != -1) {
        valid |= Protocol.FATTR_MODE;
        mode = next;
      }
    }
    if (n.detached) {
      // no name left (unlinked while open, O_TMPFILE): fchmod and the like come without a handle; use one
      setattrNameless(rp, n, file != null ? file : s.openFile(n), valid, size, atime, atimensec, mtime, mtimensec,
          mode, uid, gid);
      return;
    }
    // Path operations; an unlinked-but-open file only supports what can go through its handle.
    boolean pathOps =
        (valid
                & (Protocol.FATTR_MODE | Protocol.FATTR_UID | Protocol.FATTR_GID | Protocol.FATTR_ATIME
                    | Protocol.FATTR_MTIME | Protocol.FATTR_ATIME_NOW | Protocol.FATTR_MTIME_NOW))
            != 0;
    String path = pathOps || file == null ? nodes.path(n) : null;
    if ((valid & Protocol.FATTR_MODE) != 0) {
      union.chmod(path, mode);
    }
    if ((valid & (Protocol.FATTR_UID | Protocol.FATTR_GID)) != 0) {
      union.chown(
          path, (valid & Protocol.FATTR_UID) != 0 ? uid : -1, (valid & Protocol.FATTR_GID) != 0 ? gid : -1);
    }
    if ((valid & Protocol.FATTR_SIZE) != 0) {
      if (file != null) {
        union.ftruncate(file, size);
      } else {
        union.truncate(path, size);
      }
    }
    int times = Protocol.FATTR_ATIME | Protocol.FATTR_MTIME | Protocol.FATTR_ATIME_NOW | Protocol.FATTR_MTIME_NOW;
    if ((valid & times) != 0) {
      union.utimens(
          path,
          time(valid, Protocol.FATTR_ATIME, Protocol.FATTR_ATIME_NOW, atime, atimensec),
          time(valid, Protocol.FATTR_MTIME, Protocol.FATTR_MTIME_NOW, mtime, mtimensec));
    }
    attrOut(rp, n, file != null ? union.fgetattr(file) : attr(n));
  }

  private void setattrNameless(Reply rp, Node n, OpenFile file, int valid, long size, long atime, int atimensec,
      long mtime, int mtimensec, int mode, int uid, int gid) throws IOException {
    if ((valid & Protocol.FATTR_MODE) != 0) {
      union.fchmod(file, mode);
    }
    if ((valid & (Protocol.FATTR_UID | Protocol.FATTR_GID)) != 0) {
      union.fchown(file, (valid & Protocol.FATTR_UID) != 0 ? uid : -1, (valid & Protocol.FATTR_GID) != 0 ? gid : -1);
    }
    if ((valid & Protocol.FATTR_SIZE) != 0) {
      union.ftruncate(file, size);
    }
    int times = Protocol.FATTR_ATIME | Protocol.FATTR_MTIME | Protocol.FATTR_ATIME_NOW | Protocol.FATTR_MTIME_NOW;
    if ((valid & times) != 0) {
      union.futimens(file,
          time(valid, Protocol.FATTR_ATIME, Protocol.FATTR_ATIME_NOW, atime, atimensec),
          time(valid, Protocol.FATTR_MTIME, Protocol.FATTR_MTIME_NOW, mtime, mtimensec));
    }
    attrOut(rp, n, union.fgetattr(file));
  }

  private static Timespec time(int valid, int set, int now, long sec, int nsec) {
    if ((valid & now) != 0) {
      return Timespec.NOW;
    }
    return (valid & set) != 0 ? new Timespec(sec, nsec) : Timespec.OMIT;
  }

  void readlink(Request rq, Reply rp) throws IOException {
    rp.bytes(Reply.utf8(union.readlink(nodes.path(nodes.get(rq.nodeid)))));
  }

  /** Creates one kind of node at a path (mknod, mkdir, symlink). */
  private interface Maker {
    void make(String path, Caller caller) throws IOException;
  }

  /** Creates {@code name} in the request's directory with {@code maker} and replies with its entry. */
  private void create(Request rq, Reply rp, Node parent, String name, int umask, Maker maker) throws IOException {
    String path = NodeTable.child(nodes.path(parent), name);
    maker.make(path, caller(rq, umask));
    entry(rp, parent, name, union.getattr(path));
  }

  void mknod(Request rq, Reply rp) throws IOException {
    Node parent = nodes.get(rq.nodeid);
    int mode = rq.u32();
    long rdev = Integer.toUnsignedLong(rq.u32());
    int umask = rq.u32();
    rq.skip(4);
    create(rq, rp, parent, rq.name(), umask, (path, who) -> union.mknod(path, mode, rdev, who));
  }

  void mkdir(Request rq, Reply rp) throws IOException {
    Node parent = nodes.get(rq.nodeid);
    int mode = rq.u32();
    int umask = rq.u32();
    create(rq, rp, parent, rq.name(), umask, (path, who) -> union.mkdir(path, mode, who));
  }

  void symlink(Request rq, Reply rp) throws IOException {
    Node parent = nodes.get(rq.nodeid);
    String name = rq.name();
    String target = rq.name();
    create(rq, rp, parent, name, 0, (path, who) -> union.symlink(target, path, who));
  }

  void link(Request rq, Reply rp) throws IOException {
    Node parent = nodes.get(rq.nodeid);
    Node source = nodes.get(rq.u64());
    String name = rq.name();
    String path = NodeTable.child(nodes.path(parent), name);
    if (source.detached) {
      // a file without a name (O_TMPFILE): linked through one of its open handles
      union.linkOpen(s.openFile(source), path);
    } else {
      union.link(nodes.path(source), path);
    }
    Attr a = union.getattr(path);
    // the new name is the source's node: the kernel updates the one inode it has (link count, ctime)
    Node n = nodes.linked(source, parent, name, a);
    rp.entry(n.id, a, s.options.entry(), s.attrValid(n, a));
  }

  void unlink(Request rq, boolean dir) throws IOException {
    Node parent = nodes.get(rq.nodeid);
    String name = rq.name();
    String path = NodeTable.child(nodes.path(parent), name);
    if (dir) {
      union.rmdir(path);
    } else {
      union.unlink(path);
    }
    nodes.removed(parent, name);
  }

  void rename(Request rq, boolean withFlags) throws IOException {
    Node from = nodes.get(rq.nodeid);
    Node to = nodes.get(rq.u64());
    int flags = 0;
    if (withFlags) {
      flags = rq.u32();
      rq.skip(4);
    }
    String oldName = rq.name();
    String newName = rq.name();
    union.rename(
        NodeTable.child(nodes.path(from), oldName), NodeTable.child(nodes.path(to), newName), flags);
    nodes.renamed(from, oldName, to, newName, (flags & 2) != 0);
  }

  static Caller caller(Request rq) {
    return new Caller(rq.uid, rq.gid);
  }

  /** The caller of a create, mkdir or mknod, with the umask the request carries (see Protocol.DONT_MASK). */
  static Caller caller(Request rq, int umask) {
    return new Caller(rq.uid, rq.gid, umask & 0777);
  }
}
