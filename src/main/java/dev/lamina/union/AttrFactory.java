package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.Timespec;

/**
 * Builds what getattr shows from a backing stat: the merged inode number, nlink 1 for merged directories
 * (their real link count is unknowable, and 1 tells tools like find not to trust it, as on overlayfs), the
 * rootless {@code user.containers.override_stat} owner/mode/device type, and the uid/gid mapping.
 */
final class AttrFactory {
  private final HostFs fs;
  private final LayerStack stack;
  private final LowerDirCache lower;
  private final InodeMap inodes;
  private final OverlayConfig config;
  private final Origins origins;

  AttrFactory(HostFs fs, LayerStack stack, LowerDirCache lower, InodeMap inodes, OverlayConfig config) {
    this.origins = new Origins(fs, stack, lower, inodes, fs.geteuid() == 0);
    this.fs = fs;
    this.stack = stack;
    this.lower = lower;
    this.inodes = inodes;
    this.config = config;
  }

  /** The merged inode number of an entry. Directories take it from their topmost lower instance, so it survives copy-up. */
  long ino(Entry e) throws ErrnoException {
    Stat st = e.stat();
    if (e.isDir()) {
      int[] dl = e.dirLayers();
      for (int k = 0; k < dl.length; k++) {
        Layer l = stack.get(dl[k]);
        if (!l.upper()) {
          Stat ls = l == e.layer() ? st : lowerDirStat(l, e.pathIn(k));
          return inodes.compose(l, ls.dev(), ls.ino());
        }
      }
    }
    if (e.layer().upper()) {
      return e.isDir() ? inodes.upper(e.layer(), st.dev(), st.ino()) : upperFile(e.layer(), e.rel(), st.dev(), st.ino(), st.type());
    }
    return inodes.compose(e.layer(), st.dev(), st.ino());
  }

  /** The mount's inode index (index=on), or null. */
  private volatile Index index;

  /** Uses the mount's inode index (link counts and inode numbers of indexed hard links). */
  void index(Index ix) {
    index = ix;
    origins.index(ix);
  }

  Index index() {
    return index;
  }

  /** Where copy-ups record their origin and upper files find theirs. */
  Origins origins() {
    return origins;
  }

  /** Notes that lamina just made the upper inode st: it has no origin to look for. */
  void created(Stat st) {
    inodes.learnOrigin(st.dev(), st.ino(), Origins.NONE);
  }

  /**
   * The merged number of the upper non-directory at rel (backing dev and ino, S_IFMT type): its origin's when it
   * has one (recorded this mount or read from its origin xattr once), else its own.
   */
  long upperFile(Layer up, String rel, long dev, long ino, int type) {
    Long k = inodes.knownOrigin(dev, ino);
    if (k == null) {
      k = origins.number(rel, type, dev, ino);
      inodes.learnOrigin(dev, ino, k);
    }
    return k != Origins.NONE ? k : inodes.compose(up, dev, ino);
  }

  private Stat lowerDirStat(Layer l, String rel) throws ErrnoException {
    if (rel.isEmpty()) {
      return fs.fstat(l.fd());
    }
    LowerDirCache.LowerEntry le = lower.get(l, Resolver.parentOf(rel)).entries().get(Resolver.nameOf(rel));
    return le != null ? lower.stat(l, rel, le) : fs.lstat(l.fd(), rel);
  }

  /**
   * Whether the override xattr of an entry with this stat is honoured: always when overrideStat is on; else
   * only for empty regular files, the form in which the layer store records device nodes and fifos even as
   * root (it never creates real nodes). Their copies in the upper layer keep the xattr, and chmod/chown keep
   * it current, so the rule is the same in every layer.
   */
  boolean honorsOverride(Stat st) {
    return config.overrideStat() || (st.isRegular() && st.size() == 0);
  }

  Attr attr(Entry e) throws ErrnoException {
    Index ix = index;
    if (ix != null && !e.isDir()) {
      if (!e.inUpper() && Index.applies(e.stat())) {
        // a lower hard link another name of which was copied up: the index entry is its inode (ovl_lookup)
        String name = ix.nameOf(e);
        Stat idx = name == null ? null : ix.entry(name, e.stat(), e.rel());
        if (idx != null) {
          return build(idx, ino(e), ix.overlayNlink(name, idx, e.stat()), null, 0);
        }
      }
    }
    OverrideStat ov = null;
    if (honorsOverride(e.stat())) {
      ov = e.layer().upper() ? readOverride(e.layer().fd(), e.rel()) : lowerOverride(e.layer(), e.path());
    }
    long nlink = e.isDir() && e.dirLayers().length > 1 ? 1 : e.stat().nlink();
    if (ix != null && e.inUpper() && !e.isDir() && nlink > 1) {
      nlink = ix.nlink(e.layer().fd(), e.rel(), e.stat()); // the index entry is no name of the overlay's
    }
    if (e.isMetacopy()) {
      // st_blocks of the data, as the kernel shows for a metadata-only copy
      return build(MetaCopy.withDataBlocks(e.stat(), e.data()), ino(e), nlink, ov, linkId(e.layer(), e.stat()));
    }
    return build(e.stat(), ino(e), nlink, ov, e.isDir() ? 0 : linkId(e.layer(), e.stat()));
  }

  /** What getattr shows for a lower non-directory whose top instance is le (its layer's entry at rel). */
  Attr lowerFile(String rel, LowerDirCache.LowerEntry le) throws ErrnoException {
    Layer l = lower.layerOf(le);
    Stat st = lower.stat(l, rel, le);
    OverrideStat ov = honorsOverride(st) ? override(l, rel, le) : null;
    return build(st, inodes.compose(l, st.dev(), st.ino()), st.nlink(), ov, 0);
  }

  /**
   * The {@link Attr#linkId} of a non-directory found in layer l: its upper inode's identity (the composed
   * number, never its origin's, which broken lower hard links share), 0 in a lower layer.
   */
  long linkId(Layer l, Stat st) {
    return l.upper() ? inodes.compose(l, st.dev(), st.ino()) : 0;
  }

  /** Marks "no override" in a lower entry (null there means "not read yet"). */
  private static final OverrideStat NONE = new OverrideStat(-1, -1, 0, 0, 0);

  /** Lower layers do not change while mounted, so their override xattrs are read once per entry and kept. */
  private OverrideStat lowerOverride(Layer l, String rel) throws ErrnoException {
    LowerDirCache.LowerEntry le =
        rel.isEmpty() ? null : lower.get(l, Resolver.parentOf(rel)).entries().get(Resolver.nameOf(rel));
    if (le == null) {
      return readOverride(l.fd(), rel); // a layer root: read on each getattr (rare)
    }
    return override(l, rel, le);
  }

  /** The override xattr of the lower entry le (at rel in layer l), read on first use and kept in it. */
  private OverrideStat override(Layer l, String rel, LowerDirCache.LowerEntry le) {
    OverrideStat o = le.override;
    if (o == null) {
      o = readOverride(l.fd(), rel);
      le.override = o == null ? NONE : o;
    }
    return o == NONE ? null : o;
  }

  /** The override xattr of a backing entry; null when absent, malformed, or not allowed on its type. */
  OverrideStat readOverride(int dirFd, String rel) {
    try {
      return OverrideStat.parse(fs.lgetxattr(dirFd, rel, Markers.OVERRIDE_STAT));
    } catch (ErrnoException e) {
      return null; // symlinks and special files cannot carry user.* xattrs
    }
  }

  OverrideStat readOverride(int fd) {
    try {
      return OverrideStat.parse(fs.fgetxattr(fd, Markers.OVERRIDE_STAT));
    } catch (ErrnoException e) {
      return null;
    }
  }

  Attr build(Stat st, long ino, long nlink, OverrideStat ov, long linkId) {
    int mode = st.mode();
    int uid = st.uid();
    int gid = st.gid();
    long rdev = st.rdev();
    long size = st.size();
    if (ov != null) {
      uid = ov.uid();
      gid = ov.gid();
      int type = st.type();
      if ((ov.type() == S_IFCHR || ov.type() == S_IFBLK || ov.type() == S_IFIFO) && type == S_IFREG) {
        type = ov.type(); // a device node recorded by a rootless extractor as a plain file
        rdev = ov.rdev();
        size = 0;
      }
      mode = type | (ov.mode() & 07777);
    }
    return new Attr(
        ino,
        mode,
        nlink,
        config.uidMap().toPresented(uid),
        config.gidMap().toPresented(gid),
        rdev,
        size,
        st.blocks(),
        st.blksize(),
        new Timespec(st.atimeSec(), st.atimeNsec()),
        new Timespec(st.mtimeSec(), st.mtimeNsec()),
        new Timespec(st.ctimeSec(), st.ctimeNsec()),
        linkId);
  }
}
