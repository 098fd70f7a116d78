package dev.lamina.union;

import dev.lamina.union.UnionFs.DirEntry;
import java.util.List;

/** The open-file and open-directory handles the union gives to the FUSE adapter. */
final class Handles {
  private Handles() {}

  /** An open file: one backing fd for the life of the handle (upper for writers, the top layer for readers). */
  static final class FileHandle implements UnionFs.OpenFile {
    final int fd;
    final Layer layer;
    final long ino;
    final String rel;
    final int flags;

    FileHandle(int fd, Layer layer, long ino, String rel, int flags) {
      this.fd = fd;
      this.layer = layer;
      this.ino = ino;
      this.rel = rel;
      this.flags = flags;
    }

    @Override
    public String toString() {
      return "file /" + rel + " (fd " + fd + " on " + layer + ")";
    }
  }

  /** An open directory: the merged listing taken at opendir, so offsets stay stable while it is open. */
  static final class DirHandle implements UnionFs.OpenDir {
    final String rel;
    final List<DirEntry> entries;

    DirHandle(String rel, List<DirEntry> entries) {
      this.rel = rel;
      this.entries = entries;
    }

    @Override
    public String toString() {
      return "dir /" + rel + " (" + entries.size() + " entries)";
    }
  }
}
