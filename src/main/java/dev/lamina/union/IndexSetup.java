package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.DirEnt;
import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening the inode index of a mount with index=on ({@link Index}), as the kernel's ovl_get_indexdir: the upper
 * root's origin and the index dir's upper handle checked (or set), then every entry checked and cleaned as
 * ovl_indexdir_cleanup does.
 */
final class IndexSetup {
  private static final Logger log = LoggerFactory.getLogger(IndexSetup.class);

  private IndexSetup() {}

  /**
   * The index of a mount with index=on, created or checked and cleaned; null when the mount keeps none: index=off,
   * no upper dir, no root, or lower dirs without file handles (the kernel then falls back to index=off too).
   */
  static Index open(HostFs fs, LayerStack stack, OverlayConfig config, Origins origins) throws ErrnoException {
    if (!config.index() || stack.upper() == null) {
      return null;
    }
    if (fs.geteuid() != 0) {
      log.warn("index=on needs root (the kernel's index decodes file handles, and falls back to index=off in a user"
          + " namespace with userxattr): lamina falls back to index=off too; lower hard links come apart on copy-up");
      return null;
    }
    Layer topLower = null;
    for (Layer l : stack.all()) {
      if (!l.upper()) {
        topLower = l;
        break;
      }
    }
    Origin lowerRoot = topLower == null ? null : origins.encode(topLower, "");
    if (lowerRoot == null) {
      log.warn("index=on: {} makes no file handles: falling back to index=off, as the kernel does",
          topLower == null ? "the mount has no lower dir and" : topLower.path());
      return null;
    }
    int upperFd = stack.upper().fd();
    verifyOrSet(fs, upperFd, Origin.TRUSTED, lowerRoot.encode(), config.upperDir(),
        "index=on: the upper dir was used with other lower dirs (its " + Origin.TRUSTED + " names another root"
            + " than the top lower dir's; the kernel refuses it too): mount it over the lower dirs it was made with,"
            + " or with index=off;");
    int base = fs.openat(AT_FDCWD, config.workDir().toString(), O_PATH | O_DIRECTORY, 0);
    int dir = -1;
    try {
      Stat st = fs.lstatOrNull(base, Index.DIR);
      if (st == null) {
        fs.mkdirat(base, Index.DIR, 0); // mode 0, as the kernel's work dirs
        fs.fchmodat(base, Index.DIR, 0, 0);
      } else if (!st.isDir()) {
        throw new ErrnoException(Errno.ENOTDIR, "index=on: the index is no directory (remove it)",
            config.workDir().resolve(Index.DIR).toString());
      }
      dir = fs.openBeneath(base, Index.DIR, O_PATH | O_DIRECTORY, 0);
      Origin upperRoot = Origin.ofUpper(fs.fsUuid(upperFd), fs.nameToHandle(upperFd, ""));
      String other = "index=on: this index belongs to another upper dir (its %s is not the upper dir's handle; the"
          + " kernel refuses it too): use the work dir made with this upper dir, or remove the index dir;";
      byte[] old = fs.lgetxattr(dir, "", Origin.TRUSTED); // what kernels before 4.16 recorded
      if (old != null && !Index.sameFb(old, upperRoot.encode())) {
        throw new ErrnoException(Errno.ESTALE, String.format(other, Origin.TRUSTED), config.workDir().resolve(Index.DIR).toString());
      }
      verifyOrSet(fs, dir, Index.TRUSTED_UPPER, upperRoot.encode(), config.workDir().resolve(Index.DIR),
          String.format(other, Index.TRUSTED_UPPER));
      Index ix = new Index(fs, origins, dir);
      cleanup(fs, ix, origins, stack, config.workDir().resolve(Index.DIR));
      return ix;
    } catch (ErrnoException | RuntimeException e) {
      if (dir >= 0) {
        fs.closeQuietly(dir);
      }
      throw e;
    } finally {
      fs.closeQuietly(base);
    }
  }

  /** Sets xattr name of dirFd itself to value when absent; ESTALE with message when it holds another handle. */
  private static void verifyOrSet(HostFs fs, int dirFd, String name, byte[] value, Path where, String message)
      throws ErrnoException {
    byte[] v = fs.lgetxattr(dirFd, "", name);
    if (v == null) {
      fs.lsetxattr(dirFd, "", name, value, 0);
    } else if (!Index.sameFb(v, value)) {
      throw new ErrnoException(Errno.ESTALE, message, where.toString());
    }
  }

  /** ovl_indexdir_cleanup: removes leftovers, stale entries and orphans; refuses an index it cannot read. */
  private static void cleanup(HostFs fs, Index ix, Origins origins, LayerStack stack, Path where)
      throws ErrnoException {
    int dirFd = ix.dirFd();
    int rd = fs.openat(dirFd, ".", O_RDONLY | O_DIRECTORY, 0);
    List<DirEnt> ents;
    try {
      ents = fs.readdir(rd);
    } finally {
      fs.closeQuietly(rd);
    }
    for (DirEnt d : ents) {
      String n = d.name();
      if (n.startsWith("#")) {
        stack.removeTree(dirFd, n); // a leftover of the kernel's create or cleanup
        continue;
      }
      int err = verify(fs, ix, origins, n);
      if (err == 0) {
        continue;
      }
      if (err == Errno.ESTALE || err == Errno.ENOENT) {
        log.info("index entry {} removed at mount: {}", n, err == Errno.ESTALE ? "stale" : "orphan");
        stack.removeTree(dirFd, n);
        continue;
      }
      throw new ErrnoException(err, "index=on: an index entry this overlay cannot use (the kernel refuses to mount"
          + " it too): remove it, or the whole index dir, or mount with index=off;", where.resolve(n).toString());
    }
  }

  /** ovl_verify_index: 0 to keep, ESTALE for a stale entry, ENOENT for an orphan, another errno to refuse. */
  static int verify(HostFs fs, Index ix, Origins origins, String n) throws ErrnoException {
    int dirFd = ix.dirFd();
    Stat st = fs.lstatOrNull(dirFd, n);
    if (st == null) {
      return 0;
    }
    int c = Index.checkName(n);
    if (c != 0) {
      return c;
    }
    if (st.isWhiteoutDevice() || st.isDir()) {
      return 0; // a whiteout blocks an exported handle; a directory is only verified with nfs_export
    }
    byte[] fb = Index.unhex(n);
    byte[] v = ix.xattr(dirFd, n, Origin.TRUSTED);
    if (v == null || v.length == 0) {
      return Errno.ENODATA;
    }
    if (!Index.sameFb(v, fb)) {
      return Errno.ESTALE;
    }
    if (st.nlink() == 1) {
      Stat lower = origins.statByHandle(Origin.parse(fb));
      if (lower == null) {
        return Errno.ESTALE;
      }
      if (lower.type() != st.type()) {
        return Errno.EIO;
      }
      Index.Nlink nl = Index.Nlink.parse(ix.xattr(dirFd, n, Index.TRUSTED_NLINK));
      if (Index.Nlink.count(nl, st.nlink(), lower.nlink(), 0) == 0) {
        return Errno.ENOENT;
      }
    }
    return 0;
  }
}
