package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.util.concurrent.locks.ReentrantLock;

/**
 * rename(2)/renameat2(2) on the union. Files are copied up and renamed in the upper layer, with a whiteout
 * left at the source when a lower layer holds that name (atomically with RENAME_WHITEOUT in the device
 * format). A directory that exists purely in the upper layer just moves; one moved onto a name a lower layer
 * holds becomes opaque, so it does not merge with what is below. A merged or lower directory moves with
 * redirect_dir=on: it is copied up and gets a redirect to its lower instances ({@link Redirects}); otherwise
 * EXDEV, and {@code mv} copies it.
 */
final class Renamer {
  private final Namespace ns;
  private final HostFs fs;
  private final Resolver resolver;
  private final UpperNames names;
  private final Redirects redirects;

  Renamer(Namespace ns) {
    this.ns = ns;
    this.names = ns.upperNames();
    this.fs = ns.fs();
    this.resolver = ns.resolver();
    this.redirects = resolver.redirects();
  }

  void rename(String a, String b, int flags) throws ErrnoException {
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0
        || (flags & (RENAME_NOREPLACE | RENAME_EXCHANGE)) == (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
      throw new ErrnoException(Errno.EINVAL, "rename (flags " + flags + ")", "/" + a);
    }
    if (a.isEmpty() || b.isEmpty()) {
      throw new ErrnoException(Errno.EBUSY, "rename", "/" + a);
    }
    Entry src = resolver.require(a);
    RelPaths.checkCreatable(b);
    Entry dst = resolver.lookupChild(resolver.dir(Resolver.parentOf(b)), Resolver.nameOf(b));
    if (b.startsWith(a + "/")) {
      throw new ErrnoException(Errno.EINVAL, "rename (into itself)", "/" + a);
    }
    if (dst != null && a.startsWith(b + "/")) {
      throw new ErrnoException(Errno.ENOTEMPTY, "rename (onto an ancestor)", "/" + b);
    }
    if (a.equals(b)) {
      return;
    }
    if ((flags & RENAME_EXCHANGE) != 0) {
      exchange(a, b, src, dst);
      return;
    }
    if ((flags & RENAME_NOREPLACE) != 0 && dst != null) {
      throw new ErrnoException(Errno.EEXIST, "rename", "/" + b);
    }
    boolean redirected = src.isDir() && !src.isPureUpperDir();
    if (src.isDir()) {
      if (redirected && !redirects.mode().creates()) {
        throw new ErrnoException(Errno.EXDEV,
            "rename (directory not purely in the upper layer; redirect_dir=on would move it)", "/" + a);
      }
      if (dst != null) {
        if (!dst.isDir()) {
          throw new ErrnoException(Errno.ENOTDIR, "rename", "/" + b);
        }
        if (!ns.merger().isEmpty(dst)) {
          throw new ErrnoException(Errno.ENOTEMPTY, "rename", "/" + b);
        }
      }
    } else if (dst != null && dst.isDir()) {
      throw new ErrnoException(Errno.EISDIR, "rename", "/" + b);
    }
    Index index = ns.attrs().index();
    String dstIndexName = null;
    if (index != null && dst != null && !dst.isDir()) {
      // the replaced name's other links keep a right count (ovl_nlink_start): copied up first when indexed
      if (!dst.inUpper() && Index.applies(dst.stat())) {
        ns.copyUpIndexed(b);
        dst = resolver.lookupChild(resolver.dir(Resolver.parentOf(b)), Resolver.nameOf(b));
      }
      if (dst != null && dst.inUpper()) {
        dstIndexName = index.indexedName(dst.layer().fd(), b, dst.stat());
      }
    }
    boolean srcNeedsWhiteout = src.needsWhiteout();
    boolean metacopy = src.isMetacopy(); // a metadata-only copy records where its data is, as a moved dir does
    if (!src.isDir() && !src.inUpper()) { // (an upper source was just looked up: copyUp would look again)
      metacopy = ns.copyUp().copyUpMetadata(a).isMetacopy();
    } else if (redirected) {
      ns.copyUp().ensureUpperDir(a);
    }
    ns.copyUp().ensureUpperDir(Resolver.parentOf(b));
    ReentrantLock[] held = ns.locks().lockTwo(a, b);
    try {
      names.mark();
      UpperDirFds.Ref[] dirs = acquireParents(a, b);
      try {
        boolean merged = resolver.dir(Resolver.parentOf(b)).dirLayers().length > 1;
        if (redirected || metacopy) {
          setRedirect(dirs[0].fd, a, b);
        }
        move(src, dst, srcNeedsWhiteout, merged, redirected, dirs[0].fd, Resolver.parentOf(a), Resolver.nameOf(a), dirs[1].fd,
            Resolver.parentOf(b), Resolver.nameOf(b));
        if (dirs[0] != dirs[1] && carriesOrigin(src)) {
          // as ovl_rename: the new parent may now hold an entry whose number is its origin's (readdir must look)
          ns.attrs().origins().markImpure(dirs[1].fd, fs.fstat(dirs[1].fd).ino());
        }
      } finally {
        releaseParents(dirs);
      }
      if (dst != null) {
        ns.forgetReplaced(dst);
      }
      if (dstIndexName != null) {
        index.removed(dstIndexName, dst.stat());
      }
    } finally {
      PathLocks.unlock(held);
      invalidate(a, b, src, dst);
    }
  }

  /** Whether src (as looked up before the rename) shows its origin's number: a merged dir, a copied-up file. */
  private boolean carriesOrigin(Entry src) throws ErrnoException {
    if (src.isDir()) {
      return src.dirLayers().length > 1;
    }
    if (!src.inUpper()) {
      // just copied up, with an origin (a hard link only through the index)
      return src.stat().nlink() == 1 || (ns.attrs().index() != null && Index.applies(src.stat()));
    }
    return ns.attrs().ino(src) != ns.attrs().linkId(src.layer(), src.stat());
  }

  /** Forgets what was cached of both names; the names below them too when a directory moved or was replaced. */
  private void invalidate(String a, String b, Entry src, Entry dst) {
    resolver.invalidate(a);
    resolver.invalidate(b);
    if (src.isDir() || (dst != null && dst.isDir())) {
      names.forget(a);
      names.forget(b);
    }
  }

  /**
   * Records where the lower instances of the directory a (or the data of the metadata-only copy a) are before
   * it moves to b (kernel: ovl_set_redirect).
   */
  private void setRedirect(int parentFd, String a, String b) throws ErrnoException {
    String v = redirects.valueForRename(ns.stack().upper().fd(), a, b);
    if (v != null) {
      redirects.write(parentFd, Resolver.nameOf(a), a, v);
    }
  }

  private void move(Entry src, Entry dst, boolean srcNeedsWhiteout, boolean targetParentMerged, boolean redirected,
      int pa, String ra,
      String na, int pb, String rb, String nb) throws ErrnoException {
    boolean knownWhiteout = names.isWhiteout(rb, nb);
    Stat cur = !knownWhiteout && names.mayHold(rb, nb) ? fs.lstatOrNull(pb, nb) : null;
    boolean whiteoutAtTarget = knownWhiteout || (cur != null && cur.isWhiteoutDevice());
    boolean fileWhiteoutAtTarget = names.mayHold(rb, Markers.WH_PREFIX + nb)
        && fs.lstatOrNull(pb, Markers.WH_PREFIX + nb) != null;
    if (src.isDir()) {
      boolean lowerAtTarget = dst != null ? dst.needsWhiteout() : (whiteoutAtTarget || fileWhiteoutAtTarget);
      // as ovl_rename: a directory moved into a merged parent (or onto a name a lower layer holds) is made
      // opaque, so it never merges with a same-named lower directory; a redirected one follows its redirect
      if (!redirected && (lowerAtTarget || targetParentMerged)) {
        ns.whiteouts().makeOpaque(pa, ra, na);
      }
      if (cur != null && cur.isDir()) {
        int d = fs.openBeneath(pb, nb, O_PATH | O_DIRECTORY, 0);
        try {
          ns.stack().removeContents(d); // only whiteouts and markers: the merged dir is empty
        } finally {
          fs.closeQuietly(d);
        }
      }
      if (whiteoutAtTarget) {
        fs.renameat2(pa, na, pb, nb, RENAME_EXCHANGE); // the target's whiteout is now at the source
        names.added(rb, nb);
        if (!srcNeedsWhiteout) {
          UpperNames.Stamp sa = names.stamp(ra);
          fs.unlinkat(pa, na, 0);
          names.removed(ra, na, sa);
        } else {
          names.addedWhiteout(ra, na);
        }
      } else {
        renameAway(pa, ra, na, pb, rb, nb, srcNeedsWhiteout);
        if (srcNeedsWhiteout) {
          // an opaque dir moved away uncovers the lower one otherwise; the name is free after the rename
          ns.whiteouts().whiteout(pa, ra, na, null);
        }
      }
    } else if (srcNeedsWhiteout && ns.whiteouts().format() == WhiteoutFormat.DEVICE && ns.root()
        && renameWhiteout(pa, na, pb, nb)) {
      // done atomically: the source name now holds a 0/0 device
      names.added(rb, nb);
      names.addedWhiteout(ra, na);
    } else {
      renameAway(pa, ra, na, pb, rb, nb, srcNeedsWhiteout);
      if (srcNeedsWhiteout) {
        ns.whiteouts().whiteout(pa, ra, na, null); // the name is free after the rename
      }
    }
    if (fileWhiteoutAtTarget) {
      fs.unlinkat(pb, Markers.WH_PREFIX + nb, 0);
    }
  }

  /**
   * A plain rename in the upper layer; the source name leaves the upper names unless a whiteout will take it
   * (recorded before the target's add, which would otherwise look like an add racing with the removal).
   */
  private void renameAway(int pa, String ra, String na, int pb, String rb, String nb, boolean whiteoutFollows)
      throws ErrnoException {
    UpperNames.Stamp sa = names.stamp(ra);
    fs.renameat2(pa, na, pb, nb, 0);
    if (!whiteoutFollows) {
      names.removed(ra, na, sa);
    }
    names.added(rb, nb);
  }

  /** renameat2 with RENAME_WHITEOUT; false (nothing done) when the host refuses it (no CAP_MKNOD). */
  private boolean renameWhiteout(int pa, String na, int pb, String nb) throws ErrnoException {
    try {
      fs.renameat2(pa, na, pb, nb, RENAME_WHITEOUT);
      return true;
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EPERM || e.errno() == Errno.EINVAL || e.errno() == Errno.ENOTSUP) {
        return false;
      }
      throw e;
    }
  }

  private void exchange(String a, String b, Entry src, Entry dst) throws ErrnoException {
    if (dst == null) {
      throw new ErrnoException(Errno.ENOENT, "rename (exchange)", "/" + b);
    }
    boolean srcRedirected = src.isDir() && !src.isPureUpperDir();
    boolean dstRedirected = dst.isDir() && !dst.isPureUpperDir();
    if ((srcRedirected || dstRedirected) && !redirects.mode().creates()) {
      throw new ErrnoException(Errno.EXDEV, "rename (exchange of a directory not purely in the upper layer;"
          + " redirect_dir=on would move it)", "/" + a);
    }
    boolean srcMetacopy = false;
    boolean dstMetacopy = false;
    if (!src.isDir()) {
      srcMetacopy = ns.copyUp().copyUpMetadata(a).isMetacopy();
    } else if (srcRedirected) {
      ns.copyUp().ensureUpperDir(a);
    }
    if (!dst.isDir()) {
      dstMetacopy = ns.copyUp().copyUpMetadata(b).isMetacopy();
    } else if (dstRedirected) {
      ns.copyUp().ensureUpperDir(b);
    }
    ns.copyUp().ensureUpperDir(Resolver.parentOf(a));
    ns.copyUp().ensureUpperDir(Resolver.parentOf(b));
    ReentrantLock[] held = ns.locks().lockTwo(a, b);
    try {
      names.mark();
      UpperDirFds.Ref[] dirs = acquireParents(a, b);
      int pa = dirs[0].fd;
      int pb = dirs[1].fd;
      try {
        if (srcRedirected || srcMetacopy) {
          setRedirect(pa, a, b);
        }
        if (dstRedirected || dstMetacopy) {
          setRedirect(pb, b, a);
        }
        fs.renameat2(pa, Resolver.nameOf(a), pb, Resolver.nameOf(b), RENAME_EXCHANGE);
        // a directory that landed on a name a lower layer holds must not merge with it
        if (src.isDir() && !srcRedirected && (dst.needsWhiteout() || resolver.dir(Resolver.parentOf(b)).dirLayers().length > 1)) {
          ns.whiteouts().makeOpaque(pb, Resolver.parentOf(b), Resolver.nameOf(b));
        }
        if (dst.isDir() && !dstRedirected && (src.needsWhiteout() || resolver.dir(Resolver.parentOf(a)).dirLayers().length > 1)) {
          ns.whiteouts().makeOpaque(pa, Resolver.parentOf(a), Resolver.nameOf(a));
        }
      } finally {
        releaseParents(dirs);
      }
    } finally {
      PathLocks.unlock(held);
      invalidate(a, b, src, dst);
    }
  }

  /** The upper dirs of the parents of a and b (one reference when they are the same directory). */
  private UpperDirFds.Ref[] acquireParents(String a, String b) throws ErrnoException {
    String pa = Resolver.parentOf(a);
    String pb = Resolver.parentOf(b);
    UpperDirFds.Ref ra = ns.acquireDir(pa);
    if (pa.equals(pb)) {
      return new UpperDirFds.Ref[] {ra, ra};
    }
    try {
      return new UpperDirFds.Ref[] {ra, ns.acquireDir(pb)};
    } catch (ErrnoException | RuntimeException e) {
      ns.releaseDir(ra);
      throw e;
    }
  }

  private void releaseParents(UpperDirFds.Ref[] dirs) {
    ns.releaseDir(dirs[0]);
    if (dirs[1] != dirs[0]) {
      ns.releaseDir(dirs[1]);
    }
  }
}
