package dev.lamina.union;

import dev.lamina.union.UnionFs.DirEntry;
import java.util.List;

/** The open-file and open-directory handles the union gives to the FUSE adapter. */
final class Handles {
  private Handles() {}

  /**
   * An open file: one backing fd (upper for writers, the top layer for readers). A reader of a lower file
   * moves to the upper copy once the file is copied up (as overlayfs does since Linux 4.19), so it sees
   * writes made through other handles; the lower fd it leaves stays open until release, since another
   * thread may still be reading from it.
   */
  static final class FileHandle implements UnionFs.OpenFile {
    volatile int fd;
    volatile Layer layer;
    final long ino;
    final String rel;
    final int flags;
    /** The copy-up count when this handle last checked whether its lower file was copied up. */
    volatile long copyUpsSeen;
    int retiredFd = -1;
    /** For a reader of a metadata-only copy (fd on its lower data): an fd of the copy, and its layer; else -1. */
    int metaFd = -1;
    Layer metaLayer;
    /** Set for a file this mount created as root: its inode never gets an override_stat xattr. */
    boolean noOverride;
    /** The size of a lower file, once asked for (spliceSource); -1 before. */
    volatile long lowerSize = -1;

    FileHandle(int fd, Layer layer, long ino, String rel, int flags, long copyUpsSeen) {
      this.fd = fd;
      this.layer = layer;
      this.ino = ino;
      this.rel = rel;
      this.flags = flags;
      this.copyUpsSeen = copyUpsSeen;
    }

    @Override
    public String toString() {
      return "file /" + rel + " (fd " + fd + " on " + layer + ")";
    }
  }

  /**
   * An open directory: the merged listing taken at the first READDIR (as overlayfs lists at the first getdents,
   * not at open), kept so offsets stay stable while it is read, and taken again when a READDIR starts over at
   * offset 0 (rewinddir).
   */
  static final class DirHandle implements UnionFs.OpenDir {
    final String rel;
    /** The listing READDIRs read from; null until the first READDIR. */
    volatile List<DirEntry> entries;
    /** A READDIR was served since the listing was made. */
    volatile boolean read;
    /** The directory's resolution at opendir: while the resolver still holds this one, nothing replaced it. */
    final Entry dir;

    /** The directory's inode number, as its listing's "." has it. */
    final long ino;

    DirHandle(String rel, Entry dir, long ino) {
      this.rel = rel;
      this.dir = dir;
      this.ino = ino;
    }

    @Override
    public String toString() {
      List<DirEntry> e = entries;
      return "dir /" + rel + (e == null ? " (not listed yet)" : " (" + e.size() + " entries)");
    }
  }
}
