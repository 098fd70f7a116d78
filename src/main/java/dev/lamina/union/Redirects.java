package dev.lamina.union;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directory redirects in kernel overlayfs's on-disk format ({@code redirect_dir=on}). A directory renamed
 * while lower layers hold it keeps its upper instance, which gets {@code trusted.overlay.redirect} (or
 * {@code user.overlay.redirect} without root) naming where its lower instances are:
 *
 * <ul>
 *   <li>relative (a bare name, no slash): the directory was renamed within its parent; the layers below look
 *       this name up in the parent's lower instances instead of the current name;
 *   <li>absolute ({@code /a/b}, from the overlay root): it moved to another parent; the layers below look
 *       that path up from their roots.
 * </ul>
 *
 * <p>Rules, as in the kernel (fs/overlayfs/dir.c, namei.c): a rename within the same parent writes the old
 * name; a rename to another parent writes the absolute path built from the directory's old name and its
 * ancestors' own redirects (stopping at the first absolute one); a directory that already has a redirect
 * keeps it when that still holds (absolute, or a rename within the same parent). An absolute redirect longer
 * than 256 bytes (the kernel's redirect_max) is not written: the rename fails with EXDEV and {@code mv} copies.
 * Redirects are read only on directories, not on the lowest layer, and not below an opaque directory.
 *
 * <p>Safety: a redirect is data from a layer, so a hostile lower layer can write any value. A value is
 * refused (EINVAL: empty, empty component, a slash in a relative one, a NUL byte; EACCES: a {@code .} or
 * {@code ..} component, as the kernel's lookup_one_len answers) before use, and every path that results is
 * opened below its layer's root fd with openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS: a redirect can only
 * name another directory of the same layer stack. As root only {@code trusted.overlay.redirect} is read
 * (only CAP_SYS_ADMIN can write it); without root only {@code user.overlay.redirect}, followed with the
 * user's own rights (see native-notes.md, "Redirects without root").
 */
final class Redirects {
  private static final Logger log = LoggerFactory.getLogger(Redirects.class);
  static final String TRUSTED = "trusted.overlay.redirect";
  static final String USER = "user.overlay.redirect";
  /** The kernel's redirect_max module parameter default. */
  static final int MAX_ABSOLUTE = 256;

  /** A validated redirect: absolute ({@code target} is a path relative to the layer roots) or a bare name. */
  record Redirect(boolean absolute, String target) {
    /** The xattr value this stands for. */
    String value() {
      return absolute ? "/" + target : target;
    }
  }

  private final HostFs fs;
  private final RedirectDir mode;
  private final String xattr;

  Redirects(HostFs fs, RedirectDir mode, boolean root) {
    this.fs = fs;
    this.mode = mode;
    this.xattr = root ? TRUSTED : USER;
  }

  RedirectDir mode() {
    return mode;
  }

  /** The xattr read and written: trusted.overlay.redirect as root, user.overlay.redirect without. */
  String xattr() {
    return xattr;
  }

  /**
   * The redirect of the directory at path in a layer (dirFd its root), or null; EPERM with redirect_dir=nofollow,
   * EINVAL/EACCES for a malformed value.
   */
  Redirect read(int layerFd, String path) throws ErrnoException {
    byte[] v;
    try {
      v = fs.lgetxattr(layerFd, path, xattr);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOTSUP || e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
        return null;
      }
      throw e;
    }
    return v == null ? null : follow(v, path);
  }

  /** Checks that a raw redirect found on the directory at path may be followed, and parses it. */
  Redirect follow(byte[] raw, String path) throws ErrnoException {
    if (!mode.follows()) {
      log.warn("refusing to follow the redirect of /{} (mounted with redirect_dir=nofollow): mount with"
          + " redirect_dir=on or follow to read this layer", path);
      throw new ErrnoException(Errno.EPERM, "lookup (redirect not followed: redirect_dir=nofollow)", "/" + path);
    }
    return parse(raw, path);
  }

  /** Validates a redirect value; the errno the kernel's lookup gives for a bad one otherwise. */
  static Redirect parse(byte[] raw, String path) throws ErrnoException {
    String v = new String(raw, StandardCharsets.UTF_8);
    if (v.isEmpty() || v.indexOf('\0') >= 0) {
      throw invalid(v, path, Errno.EINVAL);
    }
    boolean absolute = v.charAt(0) == '/';
    String body = absolute ? v.substring(1) : v;
    if (!absolute && body.indexOf('/') >= 0) {
      throw invalid(v, path, Errno.EINVAL);
    }
    for (String c : body.split("/", -1)) {
      if (c.isEmpty()) {
        throw invalid(v, path, Errno.EINVAL);
      }
      if (c.equals(".") || c.equals("..")) {
        throw invalid(v, path, Errno.EACCES);
      }
      if (c.getBytes(StandardCharsets.UTF_8).length > 255) {
        throw invalid(v, path, Errno.ENAMETOOLONG);
      }
    }
    return new Redirect(absolute, body);
  }

  private static ErrnoException invalid(String v, String path, int errno) {
    log.warn("invalid redirect ({}) on /{} in a layer: not followed", v.replace("\0", "\\0"), path);
    return new ErrnoException(errno, "lookup (invalid redirect \"" + v.replace("\0", "\\0") + "\")", "/" + path);
  }

  /**
   * The redirect to write before the directory at a (already in the upper layer) is renamed to b, or null
   * when its current one still holds. EXDEV when an absolute one would be longer than the kernel allows.
   */
  String valueForRename(int upperFd, String a, String b) throws ErrnoException {
    return valueFor(upperFd, a, Resolver.parentOf(a).equals(Resolver.parentOf(b)));
  }

  /**
   * The redirect to write on the upper entry a before it gets another name (samedir: in its own directory;
   * a hard link of a metadata-only copy counts as another directory, as the kernel's ovl_set_link_redirect),
   * or null when its current one still holds.
   */
  String valueFor(int upperFd, String a, boolean samedir) throws ErrnoException {
    Redirect own = read(upperFd, a);
    if (own != null && (samedir || own.absolute())) {
      return null;
    }
    if (samedir) {
      return Resolver.nameOf(a);
    }
    StringBuilder abs = new StringBuilder();
    String d = a;
    Redirect r = own;
    while (!d.isEmpty()) {
      String comp = r != null ? r.value() : Resolver.nameOf(d);
      abs.insert(0, comp);
      if (r != null && r.absolute()) {
        break;
      }
      abs.insert(0, '/');
      d = Resolver.parentOf(d);
      r = d.isEmpty() ? null : read(upperFd, d);
    }
    if (abs.toString().getBytes(StandardCharsets.UTF_8).length > MAX_ABSOLUTE) {
      throw new ErrnoException(Errno.EXDEV, "rename (redirect longer than " + MAX_ABSOLUTE + " bytes)", "/" + a);
    }
    return abs.toString();
  }

  /** Sets the redirect on the upper directory name below parentFd; EXDEV when the host refuses the xattr. */
  void write(int parentFd, String name, String rel, String value) throws ErrnoException {
    try {
      fs.lsetxattr(parentFd, name, xattr, value.getBytes(StandardCharsets.UTF_8), 0);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ENOTSUP || e.errno() == Errno.EPERM) {
        log.warn("cannot set {} on /{} ({}): the directory is not renamed", xattr, rel, e.getMessage());
        throw new ErrnoException(Errno.EXDEV, "rename (cannot record the redirect: " + e.getMessage() + ")", "/" + rel);
      }
      throw e;
    }
    log.debug("redirect of /{} set to {}", rel, value);
  }
}
