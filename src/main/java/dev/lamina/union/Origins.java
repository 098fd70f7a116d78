package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.FileHandle;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inode numbers that survive copy-up and remount, in the kernel overlay's on-disk format ({@link Origin}).
 *
 * <p>Writing: a copy-up records the lower instance's file handle in the copy's {@code trusted.overlay.origin}
 * ({@code user.overlay.origin} without root) and marks the upper parent {@code overlay.impure=y}, as
 * ovl_copy_up does: every directory, and every non-directory with one link (a lower hard link copied up through
 * one name is no longer its other names' inode, so, as overlayfs without {@code index}, it gets none). Without
 * root only regular files and directories get one (user.* xattrs are not allowed on symlinks and devices).
 *
 * <p>Reading: an upper non-directory with an origin shows the origin's number (the number it had before its
 * copy-up), when the origin still exists with one link, as ovl_getattr does. The origin is found by path first:
 * the lower layers' entry at the same merged path, accepted only when its file handle is the recorded one (one
 * name_to_handle_at, which needs no privilege); as root, an entry renamed since its copy-up is then found by
 * decoding the handle (open_by_handle_at, which needs CAP_DAC_READ_SEARCH) on each lower layer whose filesystem
 * UUID is the recorded one, as the kernel's ovl_check_origin does. A decoded inode is only stat'ed, never read.
 * The answer is kept per upper inode for the mount's life ({@link InodeMap}).
 *
 * <p>Directories take their number from their lower instance anyway ({@link AttrFactory#ino}); their origin is
 * written so that the kernel, mounting the same upper dir, shows the same numbers.
 */
final class Origins {
  private static final Logger log = LoggerFactory.getLogger(Origins.class);
  private static final byte[] YES = "y".getBytes(StandardCharsets.US_ASCII);
  /** No origin (or none that can be used): the entry shows its own number. */
  static final long NONE = Long.MIN_VALUE;

  private final HostFs fs;
  private final LayerStack stack;
  private final LowerDirCache lower;
  private final InodeMap inodes;
  private final boolean root;
  private final String xattr;
  private final String impureXattr;
  /** Each layer's filesystem UUID, read on first use. */
  private final AtomicReferenceArray<byte[]> uuids;
  /** Whether each upper directory (by inode number) is marked impure, as far as read or written this mount. */
  private final java.util.Map<Long, Boolean> impure = new ConcurrentHashMap<>();
  private static final int IMPURE_MAX = 1 << 16;
  /** Layers whose filesystem cannot make file handles (EOPNOTSUPP once): no origin is recorded from them. */
  private final Set<Integer> noHandles = ConcurrentHashMap.newKeySet();

  Origins(HostFs fs, LayerStack stack, LowerDirCache lower, InodeMap inodes, boolean root) {
    this.fs = fs;
    this.stack = stack;
    this.lower = lower;
    this.inodes = inodes;
    this.root = root;
    this.xattr = root ? Origin.TRUSTED : Origin.USER;
    this.impureXattr = root ? Origin.TRUSTED_IMPURE : Origin.USER_IMPURE;
    this.uuids = new AtomicReferenceArray<>(stack.all().size());
  }

  /** The mount's inode index (index=on), or null. */
  private volatile Index index;

  /** Uses the mount's inode index: an upper file that is its origin's index entry shows the origin's number. */
  void index(Index ix) {
    index = ix;
  }

  /** The xattr this mount reads and writes: trusted.overlay.origin as root, user.overlay.origin without. */
  String xattr() {
    return xattr;
  }

  /** The UUID of layer l's filesystem (all zero where it has none). */
  byte[] uuid(Layer l) throws ErrnoException {
    byte[] u = uuids.get(l.index());
    if (u == null) {
      u = fs.fsUuid(l.fd());
      uuids.set(l.index(), u);
    }
    return u;
  }

  /** The origin of the inode at path in layer l; null when its filesystem makes no file handles. */
  Origin encode(Layer l, String path) throws ErrnoException {
    if (noHandles.contains(l.index())) {
      return null;
    }
    try {
      return Origin.ofLower(uuid(l), fs.nameToHandle(l.fd(), path));
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EOPNOTSUPP) {
        noHandles.add(l.index());
        log.info("{} makes no file handles: copied-up files there keep no origin (inode numbers change at remount)", l);
        return null;
      }
      throw e;
    }
  }

  /**
   * Records on the copy tmp (in the work dir) where it was copied up from: src's entry at path, whose stat is
   * st. Returns whether an origin was written (then the parent is to be marked impure, {@link #markImpure}).
   */
  boolean record(Layer src, String path, Stat st, int workFd, String tmp) {
    return record(src, path, st, workFd, tmp, false);
  }

  /** {@link #record(Layer, String, Stat, int, String)}; indexed: the copy goes into the index (then any link count). */
  boolean record(Layer src, String path, Stat st, int workFd, String tmp, boolean indexed) {
    if (!indexed && !st.isDir() && st.nlink() > 1) {
      return false;
    }
    if (!root && !st.isDir() && !st.isRegular()) {
      return false;
    }
    try {
      Origin o = encode(src, path);
      if (o == null) {
        return false;
      }
      fs.lsetxattr(workFd, tmp, xattr, o.encode(), 0);
      return true;
    } catch (ErrnoException e) {
      // an upper filesystem without (these) xattrs: the copy keeps its number while mounted only
      log.debug("copy-up of /{}: no origin recorded: {}", path, e.getMessage());
      return false;
    }
  }

  /** Marks the upper directory dirFd (an fd of it, with inode number dirIno) impure, once per mount. */
  void markImpure(int dirFd, long dirIno) {
    if (Boolean.TRUE.equals(impure.get(dirIno))) {
      return;
    }
    try {
      fs.lsetxattr(dirFd, "", impureXattr, YES, 0);
      remember(dirIno, true);
    } catch (ErrnoException e) {
      log.debug("could not mark an upper directory impure: {}", e.getMessage());
    }
  }

  /**
   * Whether the upper directory at rel (inode number dirIno) may hold entries with an origin (the kernel's
   * impure marker, or a copy-up into it this mount); read once per directory and mount. Entries copied up this
   * mount are known without it ({@link InodeMap}); it matters for those of an earlier mount.
   */
  boolean isImpure(String rel, long dirIno) {
    Boolean known = impure.get(dirIno);
    if (known != null) {
      return known;
    }
    boolean is = false;
    try {
      is = Markers.isOpaqueValue(fs.lgetxattr(stack.upper().fd(), rel, impureXattr));
    } catch (ErrnoException e) {
      log.debug("impure marker of /{} unreadable: {}", rel, e.getMessage());
    }
    remember(dirIno, is);
    return is;
  }

  private void remember(long dirIno, boolean is) {
    if (impure.size() >= IMPURE_MAX) {
      impure.clear();
    }
    impure.put(dirIno, is);
  }

  /**
   * The merged number the upper non-directory at rel (of file type type, S_IFMT bits) shows from its origin, or
   * {@link #NONE}.
   */
  long number(String rel, int type, long dev, long ino) {
    Origin o;
    try {
      o = Origin.parse(fs.lgetxattr(stack.upper().fd(), rel, xattr));
    } catch (ErrnoException e) {
      return NONE; // a symlink without root (no user.* xattrs), an upper fs without xattrs
    }
    if (o == null || o.upperPath()) {
      return NONE;
    }
    try {
      Found f = byPath(rel, o);
      if (f == null && root) {
        f = byHandle(o);
      }
      if (f == null) {
        return NONE;
      }
      if (f.st.type() != type) {
        log.warn("/{}: its recorded origin is a {} but it is a {}: it keeps its own inode number", rel,
            Integer.toOctalString(f.st.type()), Integer.toOctalString(type));
        return NONE;
      }
      // as ovl_getattr without index: a lower inode with more links may have been copied up through another name too
      // with index, an upper inode that is its origin's index entry is that lower inode (every name copied up)
      Index ix = index;
      boolean indexed = f.st.nlink() > 1 && ix != null && ix.holds(Index.name(o), dev, ino);
      return f.st.nlink() == 1 || indexed ? inodes.compose(f.layer, f.st.dev(), f.st.ino()) : NONE;
    } catch (ErrnoException e) {
      log.debug("/{}: origin not found: {}", rel, e.getMessage());
      return NONE;
    }
  }

  private record Found(Layer layer, Stat st) {}

  /** The topmost lower entry at rel, when it is the inode o names. */
  private Found byPath(String rel, Origin o) throws ErrnoException {
    String parent = Resolver.parentOf(rel);
    String name = Resolver.nameOf(rel);
    for (Layer l : stack.all()) {
      if (l.upper()) {
        continue;
      }
      LowerDirCache.LowerDir ld = lower.get(l, parent);
      LowerDirCache.LowerEntry le = ld.entries().get(name);
      if (le == null) {
        if (ld.whiteouts().contains(name) || ld.opaque()) {
          return null;
        }
        continue;
      }
      if (le.isDir()) {
        return null;
      }
      FileHandle h;
      try {
        h = fs.nameToHandle(l.fd(), rel);
      } catch (ErrnoException e) {
        return null;
      }
      return o.names(uuid(l), h) ? new Found(l, lower.stat(l, rel, le)) : null;
    }
    return null;
  }

  /** The stat of the lower inode o names, decoded by handle (root only), or null when it is gone. */
  Stat statByHandle(Origin o) throws ErrnoException {
    if (o == null) {
      return null;
    }
    Found f = byHandle(o);
    return f == null ? null : f.st;
  }

  /** Decodes o on the first lower layer whose filesystem has its UUID (root only: open_by_handle_at). */
  private Found byHandle(Origin o) throws ErrnoException {
    for (Layer l : stack.all()) {
      if (l.upper() || !java.util.Arrays.equals(uuid(l), o.uuid())) {
        continue;
      }
      int fd;
      // the mount fd may not be an O_PATH one (EBADF); this is the rare case of a file renamed after its copy-up
      int mountFd = fs.openat(l.fd(), ".", O_RDONLY | O_DIRECTORY, 0);
      try {
        fd = fs.openByHandle(mountFd, o.handle(), O_PATH);
      } catch (ErrnoException e) {
        if (e.errno() == Errno.ESTALE || e.errno() == Errno.ENOENT) {
          return null; // the origin is gone: as the kernel, "origin unknown"
        }
        throw e;
      } finally {
        fs.closeQuietly(mountFd);
      }
      try {
        Stat st = fs.fstat(fd);
        return st.dev() == l.rootDev() ? new Found(l, st) : null;
      } finally {
        fs.closeQuietly(fd);
      }
    }
    return null;
  }
}
