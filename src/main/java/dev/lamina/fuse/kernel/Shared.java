package dev.lamina.fuse.kernel;

import dev.lamina.fuse.HandleTable;
import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs;
import dev.lamina.union.UnionFs.Attr;
import java.io.IOException;
import dev.lamina.union.UnionFs.OpenDir;
import dev.lamina.union.UnionFs.OpenFile;

/** What every operation of a session reaches: the union, the node table, open handles, and the device. */
final class Shared {
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
  }

  /** The open file behind handle fh. */
  OpenFile file(long fh) throws ErrnoException {
    return files.get(fh).file();
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
