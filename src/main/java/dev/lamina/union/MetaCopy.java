package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metadata-only copies in kernel overlayfs's on-disk format ({@code metacopy=on}). With metacopy on, chmod,
 * chown, utimens and xattr changes of a lower regular file copy up only its metadata: the upper file gets the
 * lower's owner, mode, times and xattrs, the lower's size as a hole (no data blocks) and
 * {@code trusted.overlay.metacopy} ({@code user.overlay.metacopy} without root) with an empty value; its data
 * stays in the lower file, found as a lookup finds it (by name in the parent's lower instances, or where a
 * redirect on the copy points: renaming or linking a metadata-only copy records one, as for directories). The
 * first open for writing, truncate or write copies the data into the upper file in place and then removes the
 * xattr (so a crash in between leaves a valid metadata-only copy), keeping {@code security.capability}, as the
 * kernel's ovl_copy_up_meta_inode_data does.
 *
 * <p>Reading: a regular file carrying the xattr in any layer is a metadata-only copy. Its data is the first
 * regular file below it that is not one itself; none, a whiteout or another type first is EIO, as on the
 * kernel. With metacopy off such a file is refused with EPERM (the kernel's "refusing to follow metacopy
 * origin"). Every regular file is asked once (one lgetxattr, as the kernel's lookup
 * asks): a lower file once per mount, an upper file once per inode, a file lamina creates not at all. No
 * cheaper sign exists: a metadata-only copy has no data blocks when written, but a copy of the upper dir
 * (cp -a, tar) fills its hole with zeros, and ext4 counts an xattr block in st_blocks.
 *
 * <p>The xattr value, as the kernel writes it: empty, or (with fs-verity, Linux 6.5+) a 4-byte header
 * (version 0, length, flags, digest algorithm) and a digest of at most 64 bytes. lamina writes the empty form
 * and does not verify digests (the kernel's {@code verity=off}); any other value is EIO.
 */
final class MetaCopy {
  private static final Logger log = LoggerFactory.getLogger(MetaCopy.class);
  static final String TRUSTED = "trusted.overlay.metacopy";
  static final String USER = "user.overlay.metacopy";
  private static final String CAPS = "security.capability";
  private static final int HEADER = 4;
  private static final int MAX_VALUE = HEADER + 64;

  /** Where a metadata-only copy's data is: a regular file in a lower layer (its stat gives st_blocks). */
  record Data(Layer layer, String path, Stat stat) {}

  private final HostFs fs;
  private final String xattr;
  private final boolean enabled;
  /**
   * Upper inodes (number to device) known not to be metadata-only copies. lamina is the only writer of the
   * upper dir while mounted and makes an inode a metadata-only copy only by a copy-up, which forgets its
   * number first ({@link #forget}), so an entry stays true for the mount's life, also when the number is reused.
   */
  private final ConcurrentHashMap<Long, Long> plainUpper = new ConcurrentHashMap<>();

  MetaCopy(HostFs fs, boolean enabled, boolean root) {
    this.fs = fs;
    this.enabled = enabled;
    this.xattr = root ? TRUSTED : USER;
  }

  /** Whether copy-ups of regular files by metadata changes copy only the metadata (metacopy=on). */
  boolean enabled() {
    return enabled;
  }

  String xattr() {
    return xattr;
  }

  /**
   * Whether a file with this stat can be a metadata-only copy: any regular file. (Its allocation tells
   * nothing: a copy of an upper dir made with cp -a or tar holds the holes as written zeros, and ext4 counts
   * an xattr block in st_blocks.)
   */
  static boolean candidate(Stat st) {
    return st.isRegular();
  }

  /** Whether the file at path in layer l (with stat st; le its cached lower entry, or null) is a metadata-only copy. */
  boolean isMetacopy(Layer l, String path, Stat st, LowerDirCache.LowerEntry le) throws ErrnoException {
    if (!candidate(st)) {
      return false;
    }
    if (le != null) {
      byte m = le.metacopy;
      if (m == 0) {
        m = read(l.fd(), path) ? (byte) 2 : (byte) 1;
        le.metacopy = m;
      }
      return m == 2;
    }
    if (l.upper()) {
      Long dev = plainUpper.get(st.ino());
      if (dev != null && dev == st.dev()) {
        return false;
      }
      boolean meta = read(l.fd(), path);
      if (!meta) {
        plainUpper.put(st.ino(), st.dev());
      }
      return meta;
    }
    return read(l.fd(), path);
  }

  /** Forgets what is known of an upper inode about to become a metadata-only copy (its number may be reused). */
  void forget(Stat upper) {
    plainUpper.remove(upper.ino());
  }

  /** Records an upper file lamina just created (never a metadata-only copy), sparing its first lookup the xattr. */
  void created(Stat upper) {
    if (candidate(upper)) {
      plainUpper.put(upper.ino(), upper.dev());
    }
  }

  private boolean read(int dirFd, String path) throws ErrnoException {
    byte[] v;
    try {
      v = fs.lgetxattr(dirFd, path, xattr);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOTSUP || e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
        return false;
      }
      throw e;
    }
    if (v == null) {
      return false;
    }
    if (v.length != 0 && (v.length < HEADER || v.length > MAX_VALUE || v[0] != 0 || (v[1] & 0xff) != v.length)) {
      log.warn("invalid {} ({} bytes) on /{} in a layer: the file cannot be read", xattr, v.length, path);
      throw new ErrnoException(Errno.EIO, "lookup (invalid " + xattr + ")", "/" + path);
    }
    return true;
  }

  /** EPERM for a metadata-only copy found with metacopy off, as the kernel refuses it. */
  ErrnoException refused(String rel) {
    log.warn("refusing to follow the metadata-only copy /{} (mounted with metacopy=off): mount with"
        + " metacopy=on to read this layer", rel);
    return new ErrnoException(Errno.EPERM, "lookup (metadata-only copy: metacopy=off)", "/" + rel);
  }

  /** EIO for a metadata-only copy whose data no lower layer holds, as on the kernel. */
  static ErrnoException noData(String rel) {
    log.warn("the metadata-only copy /{} has no data in the layers below it (a lower layer changed?)", rel);
    return new ErrnoException(Errno.EIO, "lookup (metadata-only copy without its lower data)", "/" + rel);
  }

  /**
   * Whether the upper filesystem takes the xattr (tried once, on a file named probe in the work dir): where it
   * does not (no xattrs, or trusted.* refused to root in a user namespace), copy-ups copy the data, as the
   * kernel turns metacopy off then.
   */
  boolean usable(int workFd, String probe) {
    Boolean u = usable;
    if (u == null) {
      synchronized (this) {
        u = usable;
        if (u == null) {
          u = probe(workFd, probe);
          usable = u;
        }
      }
    }
    return u;
  }

  private volatile Boolean usable;

  private boolean probe(int workFd, String probe) {
    try {
      int fd = fs.openat(workFd, probe, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
      try {
        fs.fsetxattr(fd, xattr, new byte[0], 0);
        return true;
      } finally {
        fs.closeQuietly(fd);
        fs.unlinkat(workFd, probe, 0);
      }
    } catch (ErrnoException e) {
      log.warn("metacopy=on: the upper filesystem refuses {} ({}): copy-ups copy the data", xattr, e.getMessage());
      return false;
    }
  }

  /** Marks the copy being built on fd (the lower file's metadata already set) as metadata-only, of the given size. */
  void mark(int fd, long size) throws ErrnoException {
    fs.fsetxattr(fd, xattr, new byte[0], 0);
    if (size > 0) {
      fs.ftruncate(fd, size);
    }
  }

  /**
   * Turns the metadata-only copy e (in the upper layer) into a full one: its data copied in place from e's
   * lower data file (none when withData is false: an O_TRUNC open), then the xattr removed.
   */
  void completeData(Entry e, boolean withData, int upperRoot, CopyUp copier) throws ErrnoException {
    int out = fs.openBeneath(upperRoot, e.rel(), O_WRONLY | O_NOFOLLOW, 0);
    try {
      long size = e.stat().size();
      if (withData && size > 0) {
        byte[] caps = fs.fgetxattr(out, CAPS); // a write clears it
        Data d = e.data();
        int in = fs.openBeneath(d.layer().fd(), d.path(), AccessTimes.own(O_RDONLY), 0);
        try {
          copier.copyData(in, out, size, d.stat());
        } finally {
          fs.closeQuietly(in);
        }
        if (caps != null) {
          fs.fsetxattr(out, CAPS, caps, 0);
        }
      }
      fs.fremovexattr(out, xattr);
    } catch (ErrnoException ex) {
      throw new ErrnoException(ex.errno(), "copy-up of the data (" + ex.op() + ")", "/" + e.rel());
    } finally {
      fs.closeQuietly(out);
    }
    log.debug("copied up the data of /{} from {}", e.rel(), e.data().layer());
  }

  /** st with the block count of the data file, as the kernel's getattr shows for a metadata-only copy. */
  static Stat withDataBlocks(Stat st, Data d) {
    return new Stat(st.dev(), st.ino(), st.mode(), st.nlink(), st.uid(), st.gid(), st.rdev(), st.size(),
        d.stat().blocks(), st.blksize(), st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec(),
        st.ctimeSec(), st.ctimeNsec());
  }
}
