package dev.lamina.layer;

import dev.lamina.layer.ExtractOptions.Ownership;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import java.util.Map;
import java.net.URLDecoder;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owner, mode, xattrs and times of an extracted entry: applied with lchown/chmod as root, or recorded in
 * {@link OverrideStat#XATTR} without root (the file then belongs to the user with a mode it can use).
 */
final class EntryMetadata {
  private static final Logger LOG = LoggerFactory.getLogger(EntryMetadata.class);
  private static final String SCHILY = "SCHILY.xattr.";
  private static final String LIBARCHIVE = "LIBARCHIVE.xattr.";

  private final ExtractOptions opts;
  private final int ownUid;
  private final int ownGid;
  /** Warn once per kind of dropped xattr, not once per file. */
  private final Set<String> warned = new HashSet<>();

  EntryMetadata(Path root, ExtractOptions opts) throws IOException {
    this.opts = opts;
    this.ownUid = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    this.ownGid = (Integer) Files.getAttribute(root, "unix:gid", LinkOption.NOFOLLOW_LINKS);
  }

  /** Times to set on a path once its contents are complete. */
  record DirTimes(Path path, FileTime atime, FileTime mtime) {}

  DirTimes times(TarHeader e, Path p) {
    FileTime m = e.mtime();
    FileTime a = e.atime();
    return new DirTimes(p, a == null ? m : a, m);
  }

  void applyTimes(DirTimes t) throws IOException {
    if (t.mtime() != null) {
      opts.ops().lutimes(t.path(), t.atime(), t.mtime());
    }
  }

  /** Owner, mode and xattrs of a directory, regular file, fifo or symlink ({@code type} is its S_IFMT). */
  void apply(TarHeader e, Path p, int type, String unsafeName) throws IOException {
    int uid = (int) e.uid();
    int gid = (int) e.gid();
    int mode = e.mode() & 07777;
    if (opts.ownership() == Ownership.CHOWN) {
      if (uid != ownUid || gid != ownGid) {
        opts.ops().lchown(p, uid, gid);
      }
      if (type != OverrideStat.S_IFLNK) {
        opts.ops().chmod(p, mode); // after lchown, which clears setuid/setgid
      }
    } else if (type != OverrideStat.S_IFLNK) {
      int usable = (mode & 0777) | (type == OverrideStat.S_IFDIR ? 0700 : 0600);
      opts.ops().chmod(p, usable);
      opts.ops().lsetxattr(p, OverrideStat.XATTR, new OverrideStat(uid, gid, mode, type, 0, 0).bytes());
    }
    if (type != OverrideStat.S_IFLNK) {
      xattrs(e, p, unsafeName);
    }
  }

  /** A device or (rootless) fifo kept as an empty regular file whose xattr says what it is. */
  void recordSpecial(TarHeader e, Path p, int type, String unsafeName) throws IOException {
    opts.ops().chmod(p, 0600);
    OverrideStat st = new OverrideStat((int) e.uid(), (int) e.gid(), e.mode(), type, e.devMajor(), e.devMinor());
    opts.ops().lsetxattr(p, OverrideStat.XATTR, st.bytes());
  }

  private void xattrs(TarHeader e, Path p, String unsafeName) throws IOException {
    Map<String, byte[]> pax = e.pax();
    if (pax.isEmpty()) {
      return;
    }
    for (Map.Entry<String, byte[]> h : pax.entrySet()) {
      String k = h.getKey();
      String name;
      byte[] value;
      if (k.startsWith(SCHILY)) {
        name = k.substring(SCHILY.length());
        value = h.getValue(); // the raw bytes: binary values (security.capability) arrive exactly
      } else if (k.startsWith(LIBARCHIVE)) {
        name = URLDecoder.decode(k.substring(LIBARCHIVE.length()), StandardCharsets.UTF_8);
        try {
          value = Base64.getDecoder().decode(new String(h.getValue(), StandardCharsets.US_ASCII).trim());
        } catch (IllegalArgumentException ex) {
          throw new UnsafeEntryException(unsafeName, "xattr " + name + " has a value that is not base64");
        }
      } else {
        continue;
      }
      if (allowed(name)) {
        try {
          opts.ops().lsetxattr(p, name, value);
        } catch (IOException ex) {
          warnOnce("xattr-fail:" + name, "could not set xattr {} (first on {}): {}", name, unsafeName, ex.getMessage());
        }
      } else {
        warnOnce(name, "dropping xattr {} from the layer (first on {}): not allowed in a diff dir", name, unsafeName);
      }
    }
  }

  /**
   * Which xattrs a layer may set. Overlay and override xattrs would let a layer forge whiteouts, redirects or
   * ownership; trusted.* and security.* other than file capabilities belong to the host.
   */
  private boolean allowed(String name) {
    if (name.startsWith("user.overlay.") || name.equals(OverrideStat.XATTR)) {
      return false;
    }
    if (name.startsWith("user.")) {
      return true;
    }
    return name.equals("security.capability") && opts.ownership() == Ownership.CHOWN;
  }

  private void warnOnce(String key, String fmt, Object... args) {
    if (warned.add(key)) {
      LOG.warn(fmt, args);
    }
  }
}
