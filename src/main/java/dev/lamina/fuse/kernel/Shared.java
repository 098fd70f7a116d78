package dev.lamina.fuse.kernel;

import dev.lamina.fuse.HandleTable;
import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.Fcntl;
import dev.lamina.sys.FuseDevice;
import dev.lamina.union.UnionFs;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.OpenDir;
import dev.lamina.union.UnionFs.OpenFile;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every operation of a session reaches: the union, the node table, open handles, and the device. */
final class Shared {
  private static final Logger LOG = LoggerFactory.getLogger(Shared.class);

  /** An open file, the node it was opened through, and how the kernel does its I/O. */
  record NodeFile(Node node, OpenFile file, Passthrough.Mode mode) {}

  /** An open directory and its node (readdirplus looks entries up below it). */
  record NodeDir(Node node, OpenDir dir) {}

  final UnionFs union;
  final SessionOptions options;
  final NodeTable nodes = new NodeTable();
  final HandleTable<NodeFile> files = new HandleTable<>("file");
  final HandleTable<NodeDir> dirs = new HandleTable<>("directory");
  final int fd;
  final Passthrough passthrough;

  Shared(UnionFs union, SessionOptions options, int fd) {
    this.union = union;
    this.options = options;
    this.fd = fd;
    this.passthrough = new Passthrough(fd, options.directIo());
    this.linksAcrossNodes = union.linksAcrossNodes();
  }

  /** The union may give one inode's names separate nodes (index=on): see {@link UnionFs#linksAcrossNodes}. */
  private final boolean linksAcrossNodes;

  private static final Reply.Timeout NO_CACHE = new Reply.Timeout(0, 0);

  /**
   * How long the kernel may keep a's attributes: the mount's attr_timeout, except for a name of a lower
   * layer's hard link (several links, no upper inode), which the kernel must ask for each time: copying up
   * one name (a write) makes it another inode with one link, which no request of the kernel's tells it. With
   * index=on no multiply-linked file's: removing a lower name, another node, changes every name's count. And
   * none of a node open for writing through passthrough, which the kernel changes without a request.
   */
  Reply.Timeout attrValid(Node n, Attr a) {
    if (n.passthroughWriting()) {
      return NO_CACHE;
    }
    if (a.nlink() > 1 && (a.linkId() == 0 || linksAcrossNodes) && (a.mode() & Fcntl.S_IFMT) != Fcntl.S_IFDIR) {
      return NO_CACHE;
    }
    return options.attr();
  }

  /**
   * Tells the kernel to drop the attributes it caches for n (FUSE_NOTIFY_INVAL_INODE with offset -1: the
   * attributes only, no page cache), so that its next stat asks us. Safe while serving a request of n's: with
   * a negative offset the kernel takes no lock of the inode.
   */
  void invalidateAttributes(Node n) {
    Reply note = new Reply(Protocol.OUT_HEADER + 24);
    int rc;
    try {
      note.start(0);
      note.u64(n.id).u64(-1).u64(0);
      rc = FuseDevice.write(fd, note.buf, note.finishNotify(Protocol.NOTIFY_INVAL_INODE));
    } finally {
      note.free(); // native memory: until 2026-12-06 never freed, 40 bytes per writable passthrough close
    }
    // ENOENT: the kernel no longer has the inode, so nothing cached either
    if (rc < 0 && rc != -Errno.ENOENT) {
      LOG.debug("invalidating the attributes of {} failed: {}", n, Errno.describe(-rc));
    }
  }

  /** The open file behind handle fh. */
  OpenFile file(long fh) throws ErrnoException {
    return files.get(fh).file();
  }

  /** An open file of node n (one without a name has one while the kernel can still name it); ENOENT if none. */
  OpenFile openFile(Node n) throws ErrnoException {
    for (NodeFile f : files.values()) {
      if (f.node() == n) {
        return f.file();
      }
    }
    throw new ErrnoException(Errno.ENOENT, "link", n.name() + " has no name and no open file");
  }

  /**
   * The attributes of a detached node (unlinked, or replaced by a rename, while open): through one of its
   * open files, else one of its open directories; ENOENT when it has neither.
   */
  Attr detachedAttr(Node n) throws IOException {
    for (NodeFile f : files.values()) {
      if (f.node() == n) {
        return union.fgetattr(f.file());
      }
    }
    for (NodeDir d : dirs.values()) {
      if (d.node() == n) {
        return union.fgetattr(d.dir());
      }
    }
    throw new ErrnoException(Errno.ENOENT, "getattr", n.name() + " was removed");
  }
}
