package dev.lamina.union;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metadata-only copies (the kernel's {@code metacopy=on}) found in a layer. lamina does not make or read
 * them yet (it runs as the kernel with {@code metacopy=off}), so, as the kernel does then, a lookup that finds
 * one fails with EPERM instead of showing the copy's empty data. A metacopy file is a regular file whose data
 * is in a lower layer: it holds no blocks of its own, so only a file of non-zero size without blocks is asked
 * for the xattr ({@code trusted.overlay.metacopy} as root, {@code user.overlay.metacopy} without).
 */
final class Metacopy {
  private static final Logger log = LoggerFactory.getLogger(Metacopy.class);
  static final String TRUSTED = "trusted.overlay.metacopy";
  static final String USER = "user.overlay.metacopy";

  private final HostFs fs;
  private final String xattr;

  Metacopy(HostFs fs, boolean root) {
    this.fs = fs;
    this.xattr = root ? TRUSTED : USER;
  }

  /** EPERM when the regular file at path in layer l (with stat st) is a metadata-only copy. */
  void refuse(Layer l, String path, Stat st) throws ErrnoException {
    if (!st.isRegular() || st.blocks() != 0 || st.size() == 0) {
      return;
    }
    byte[] v;
    try {
      v = fs.lgetxattr(l.fd(), path, xattr);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOTSUP || e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
        return;
      }
      throw e;
    }
    if (v != null) {
      log.warn("refusing to follow the metacopy of /{} in {}: a metadata-only copy (the kernel's metacopy=on),"
          + " which lamina does not read; mount this layer with kernel overlayfs and metacopy=on", path, l);
      throw new ErrnoException(Errno.EPERM, "lookup (metadata-only copy: metacopy=on is not supported)", "/" + path);
    }
  }
}
