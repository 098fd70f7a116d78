package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel overlay's inode index ({@code index=on}), in its on-disk format, so that a lower hard link copied up
 * through one name stays linked to its other names.
 *
 * <p>{@code WORKDIR/index} holds, for each lower non-directory with more than one link that was copied up (as
 * ovl_need_index decides without nfs_export), an entry named by the lowercase hex of the lower inode's
 * {@link Origin} ({@code struct ovl_fb}): the upper inode itself. A copy-up builds the copy in the work dir with
 * {@code trusted.overlay.origin}, moves it into the index and links it into the upper dir under the name copied
 * up; every other name of the lower inode, when copied up later, becomes another link of that inode (link-up).
 * Until then a lookup of such a name shows the index inode (data, metadata, one inode number), as ovl_lookup does
 * with the index entry as its upper. Directories are never indexed (the kernel indexes them only for nfs_export).
 *
 * <p>The link count the overlay shows is kept in {@code trusted.overlay.nlink} of the index inode, relative to the
 * upper inode's own count ({@code U+n}: upper links, the index entry included, plus n) or to the lower inode's
 * ({@code L+n}), written {@code %+d} as the kernel's ovl_set_nlink_* does: it counts the names copied up and the
 * lower names not copied up yet. When the overlay's count drops to 0 the index entry is removed (ovl_cleanup_index).
 *
 * <p>At mount ({@link IndexSetup}): the upper root records the top lower root's handle in {@code trusted.overlay.origin} and the index
 * dir the upper root's in {@code trusted.overlay.upper}; either naming something else refuses the mount (ESTALE,
 * as the kernel's "failed to verify upper root origin"). Leftovers ({@code #...}), stale entries (their origin
 * xattr not their name) and orphans (one link, the overlay's count 0, or the lower inode gone) are removed, as
 * ovl_indexdir_cleanup does; whiteouts and directories are kept; an entry whose name is no file handle refuses the
 * mount (EINVAL, as the kernel).
 *
 * <p>Root only: the kernel's index needs to decode file handles (CAP_DAC_READ_SEARCH), and falls back to
 * index=off in a user namespace ({@code userxattr}); lamina does the same without root.
 */
final class Index {
  private static final Logger log = LoggerFactory.getLogger(Index.class);
  static final String DIR = "index";
  static final String TRUSTED_NLINK = "trusted.overlay.nlink";
  static final String TRUSTED_UPPER = "trusted.overlay.upper";
  private static final int FB_HEADER = 21;
  private static final int NAMES_MAX = 1 << 16;

  private final HostFs fs;
  private final Origins origins;
  private final int dirFd;
  /**
   * Held around each read-modify-write of an entry's nlink xattr with the link change it goes with (two names of
   * one inode copied up or removed at once); always the innermost lock.
   */
  private final PathLocks countLocks = new PathLocks();
  /** Index names of lower inodes by "dev:ino" (lower layers do not change while mounted). */
  private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();

  Index(HostFs fs, Origins origins, int dirFd) {
    this.fs = fs;
    this.origins = origins;
    this.dirFd = dirFd;
  }

  /** Whether two ovl_fb values are one handle (ovl_verify_fh: the same length, the same bytes). */
  static boolean sameFb(byte[] a, byte[] b) {
    if (a.length < 3 || b.length < 3 || a[2] != b[2]) {
      return false;
    }
    int len = a[2] & 0xff;
    return len <= a.length && len <= b.length && Arrays.equals(a, 0, len, b, 0, len);
  }

  void close() {
    fs.closeQuietly(dirFd);
  }

  /** The index dir (an O_PATH fd). */
  int dirFd() {
    return dirFd;
  }

  // ---- names and the nlink xattr

  /** The index entry name of an origin: the lowercase hex of its {@code struct ovl_fb}, as ovl_get_index_name. */
  static String name(Origin o) {
    return hex(o.encode());
  }

  static String hex(byte[] b) {
    char[] c = new char[b.length * 2];
    for (int i = 0; i < b.length; i++) {
      c[2 * i] = Character.forDigit((b[i] >> 4) & 0xf, 16);
      c[2 * i + 1] = Character.forDigit(b[i] & 0xf, 16);
    }
    return new String(c);
  }

  /** The bytes an index entry name stands for (either case, as hex2bin), or null when it is no hex. */
  static byte[] unhex(String name) {
    int len = name.length() / 2;
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      int hi = Character.digit(name.charAt(2 * i), 16);
      int lo = Character.digit(name.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        return null;
      }
      b[i] = (byte) (hi << 4 | lo);
    }
    return b;
  }

  /**
   * Checks an index entry name as ovl_verify_index does before looking at the entry: 0 when it is a handle this
   * overlay reads; EINVAL when it is no handle at all (too short, no hex, bad magic or length); ENODATA for a
   * handle of an unknown version, flags or byte order.
   */
  static int checkName(String name) {
    if (name.length() < FB_HEADER * 2) {
      return Errno.EINVAL;
    }
    byte[] fb = unhex(name);
    if (fb == null || (fb[1] & 0xff) != 0xfb || fb.length < (fb[2] & 0xff)) {
      return Errno.EINVAL;
    }
    return Origin.parse(fb) == null ? Errno.ENODATA : 0;
  }

  /**
   * {@code trusted.overlay.nlink}: the overlay's link count as {@code diff} plus the upper inode's count
   * ({@code U}) or the lower inode's ({@code L}).
   */
  record Nlink(boolean lower, int diff) {
    /** The xattr value, as the kernel's {@code "U%+i"} / {@code "L%+i"}. */
    byte[] bytes() {
      return ((lower ? "L" : "U") + (diff >= 0 ? "+" : "") + diff).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Parses a value as ovl_get_nlink does: L or U, a sign, a decimal int; null for anything else. */
    static Nlink parse(byte[] v) {
      if (v == null || v.length < 3 || v.length > 12) {
        return null;
      }
      String s = new String(v, java.nio.charset.StandardCharsets.US_ASCII);
      if (s.endsWith("\n")) {
        s = s.substring(0, s.length() - 1); // kstrtoint takes one trailing newline
      }
      char base = s.charAt(0);
      char sign = s.length() > 1 ? s.charAt(1) : ' ';
      if ((base != 'L' && base != 'U') || (sign != '+' && sign != '-') || s.length() < 3) {
        return null;
      }
      for (int i = 2; i < s.length(); i++) {
        if (s.charAt(i) < '0' || s.charAt(i) > '9') {
          return null;
        }
      }
      try {
        return new Nlink(base == 'L', Integer.parseInt(s.substring(sign == '+' ? 2 : 1)));
      } catch (NumberFormatException e) {
        return null;
      }
    }

    /**
     * The overlay's count from this value, as ovl_get_nlink: fallback when the lower inode has one link, the value
     * is absent or malformed (null), or the count it gives is not positive.
     */
    static long count(Nlink n, long upperNlink, long lowerNlink, long fallback) {
      if (lowerNlink == 1 || n == null) {
        return fallback;
      }
      long c = (n.lower ? lowerNlink : upperNlink) + n.diff;
      return c > 0 ? c : fallback;
    }
  }

  // ---- lookups

  /** Whether a lower entry with this stat is copied up through the index (ovl_need_index without nfs_export). */
  static boolean applies(Stat lowerSt) {
    return !lowerSt.isDir() && lowerSt.nlink() > 1;
  }

  /** The index name of the lower inode at path in l (stat st), from its file handle; null when it has none. */
  String nameOf(Layer l, String path, Stat st) throws ErrnoException {
    String key = st.dev() + ":" + st.ino();
    String n = names.get(key);
    if (n == null) {
      Origin o = origins.encode(l, path);
      if (o == null) {
        return null;
      }
      n = name(o);
      if (names.size() >= NAMES_MAX) {
        names.clear();
      }
      names.put(key, n);
    }
    return n;
  }

  /**
   * The index entry (the upper inode) of the lower non-directory at rel whose index name is name, or null when
   * none was made; EIO for one of another type or a whiteout, as ovl_lookup_index ("bad index found").
   */
  Stat entry(String name, Stat lowerSt, String rel) throws ErrnoException {
    Stat st = fs.lstatOrNull(dirFd, name);
    if (st == null) {
      return null;
    }
    if (st.isWhiteoutDevice() || st.type() != lowerSt.type()) {
      log.warn("/{}: its index entry {} is a {}, the lower file a {}: the name cannot be used", rel, name,
          Integer.toOctalString(st.type()), Integer.toOctalString(lowerSt.type()));
      throw new ErrnoException(Errno.EIO, "lookup (bad index entry " + name + ")", "/" + rel);
    }
    return st;
  }

  /** The index name of e's lower inode (e a lower non-directory with more links, {@link #applies}). */
  String nameOf(Entry e) throws ErrnoException {
    return nameOf(e.layer(), e.path(), e.stat());
  }

  /**
   * The link count the overlay shows for the indexed inode whose index entry name has stat idx; lowerSt is its
   * lower origin's stat when known (null: read only when the count is relative to it).
   */
  long overlayNlink(String name, Stat idx, Stat lowerSt) {
    Nlink n = Nlink.parse(xattr(dirFd, name, TRUSTED_NLINK));
    long lowerNlink = lowerSt != null ? lowerSt.nlink() : 2;
    if (n != null && n.lower && lowerSt == null) {
      Stat o = originStat(name);
      lowerNlink = o != null ? o.nlink() : 1;
    }
    return Nlink.count(n, idx.nlink(), lowerNlink, idx.nlink());
  }

  /**
   * The index name of the upper non-directory at path below upperFd (stat st) when its inode is the index entry of
   * its origin, else null.
   */
  String indexedName(int upperFd, String path, Stat st) {
    if (st.isDir() || st.nlink() < 2) {
      return null; // an indexed inode has its index entry and a name
    }
    return indexedName(xattr(upperFd, path, Origin.TRUSTED), st);
  }

  /** {@link #indexedName(int, String, Stat)} of an open file. */
  String indexedNameOfFd(int fd, Stat st) {
    if (st.isDir() || st.nlink() < 2) {
      return null;
    }
    byte[] v;
    try {
      v = fs.fgetxattr(fd, Origin.TRUSTED);
    } catch (ErrnoException e) {
      return null;
    }
    return indexedName(v, st);
  }

  private String indexedName(byte[] originXattr, Stat st) {
    Origin o = Origin.parse(originXattr);
    if (o == null || o.upperPath()) {
      return null;
    }
    String name = name(o);
    return holds(name, st) ? name : null;
  }

  /** Whether the index entry name is the upper inode st. */
  boolean holds(String name, Stat st) {
    return holds(name, st.dev(), st.ino());
  }

  /** Whether the index entry name is the upper inode (dev, ino). */
  boolean holds(String name, long dev, long ino) {
    try {
      Stat ix = fs.lstatOrNull(dirFd, name);
      return ix != null && ix.dev() == dev && ix.ino() == ino;
    } catch (ErrnoException e) {
      return false;
    }
  }

  /** The overlay's link count of an upper non-directory (stat st at path below upperFd): its own unless indexed. */
  long nlink(int upperFd, String path, Stat st) {
    String name = indexedName(upperFd, path, st);
    return name == null ? st.nlink() : overlayNlink(name, st, null);
  }

  /** {@link #nlink(int, String, Stat)} of an open file. */
  long nlinkOfFd(int fd, Stat st) {
    String name = indexedNameOfFd(fd, st);
    return name == null ? st.nlink() : overlayNlink(name, st, null);
  }

  byte[] xattr(int dir, String path, String name) {
    try {
      return fs.lgetxattr(dir, path, name);
    } catch (ErrnoException e) {
      return null;
    }
  }

  /** The stat of the lower inode an index name stands for (decoded by handle), or null when it is gone. */
  private Stat originStat(String name) {
    Origin o = Origin.parse(unhex(name));
    try {
      return o == null ? null : origins.statByHandle(o);
    } catch (ErrnoException e) {
      return null;
    }
  }

  // ---- changes

  /**
   * Moves the finished copy tmp of the lower inode (stat lowerSt) from the work dir into the index as name, with
   * the overlay's count relative to it (the copy is its one upper link: U+(lower links - 1)), as ovl_do_copy_up
   * with to_index. False when the entry appeared meanwhile (the caller drops tmp and links that one).
   */
  boolean publish(int workFd, String tmp, String name, Stat lowerSt) throws ErrnoException {
    fs.lsetxattr(workFd, tmp, TRUSTED_NLINK, new Nlink(false, (int) (lowerSt.nlink() - 1)).bytes(), 0);
    try {
      fs.renameat2(workFd, tmp, dirFd, name, RENAME_NOREPLACE);
      return true;
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EEXIST) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Links the index entry name into the upper dir parentFd as base (ovl_link_up): the count is first made relative
   * to the lower inode (which the link leaves alone), then to the upper one again, so a crash between keeps it
   * right. Returns the new name's stat.
   */
  Stat linkUp(String name, Stat lowerSt, int parentFd, String base) throws ErrnoException {
    java.util.concurrent.locks.ReentrantLock lock = countLocks.lock(name);
    try {
      Stat idx = fs.lstat(dirFd, name);
      long overlay = overlayNlink(name, idx, lowerSt);
      fs.lsetxattr(dirFd, name, TRUSTED_NLINK, new Nlink(true, (int) (overlay - lowerSt.nlink())).bytes(), 0);
      fs.linkat(dirFd, name, parentFd, base, 0);
      Stat up = fs.lstat(parentFd, base);
      fs.lsetxattr(dirFd, name, TRUSTED_NLINK, new Nlink(false, (int) (overlay - up.nlink())).bytes(), 0);
      return up;
    } finally {
      lock.unlock();
    }
  }

  /**
   * After a name of the indexed inode (index name, inode st before the removal) was unlinked or replaced: once
   * the overlay's count is 0 and the index entry is the inode's last link, the entry goes (ovl_cleanup_index).
   */
  void removed(String name, Stat st) {
    java.util.concurrent.locks.ReentrantLock lock = countLocks.lock(name);
    try {
      Stat idx = fs.lstatOrNull(dirFd, name);
      if (idx == null || idx.ino() != st.ino() || idx.dev() != st.dev()) {
        return;
      }
      Nlink n = Nlink.parse(xattr(dirFd, name, TRUSTED_NLINK));
      long count = n == null ? idx.nlink() - 1 : Nlink.count(n, idx.nlink(), n.lower ? lowerNlink(name) : 2, 0);
      if (count > 0) {
        return;
      }
      if (idx.nlink() != 1) {
        log.warn("index entry {} has {} links while the overlay counts none: kept", name, idx.nlink());
        return;
      }
      fs.unlinkat(dirFd, name, 0);
      log.debug("index entry {} removed: no name of its inode is left", name);
    } catch (ErrnoException e) {
      log.warn("index entry {} could not be cleaned up: {}", name, e.getMessage());
    } finally {
      lock.unlock();
    }
  }

  private long lowerNlink(String name) {
    Stat o = originStat(name);
    return o != null ? o.nlink() : 1;
  }
}
