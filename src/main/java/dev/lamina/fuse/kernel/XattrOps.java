package dev.lamina.fuse.kernel;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.SetIdBits;
import dev.lamina.union.UnionFs;
import dev.lamina.union.UnionFs.StatFs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** Extended attributes, statfs and access. */
final class XattrOps {
  /** The access ACL: setting it may change the mode (the ACL's owner, group or mask, other entries). */
  static final String ACL_ACCESS = "system.posix_acl_access";
  private final Shared s;
  private final UnionFs union;
  private final NodeTable nodes;

  XattrOps(Shared s) {
    this.s = s;
    this.union = s.union;
    this.nodes = s.nodes;
  }

  private String path(Request rq) throws ErrnoException {
    return nodes.path(nodes.get(rq.nodeid));
  }

  void setxattr(Request rq) throws IOException {
    String path = path(rq);
    int size = rq.u32();
    int flags = rq.u32();
    String name = rq.name();
    union.setxattr(path, name, rq.bytes(size), flags);
    if (name.equals(ACL_ACCESS)) {
      accessAclChanged(rq, path);
    }
  }

  /**
   * After the access ACL was set or removed (the backing file system did it for the daemon, which keeps
   * setgid), what kernel overlayfs does (ovl_set_or_remove_acl): setgid goes when the caller is neither in
   * the file's group nor privileged over it. Without FUSE_POSIX_ACL the kernel neither does this itself nor
   * forgets the attributes it caches (fuse_set_acl), so a stat would show the mode from before for up to
   * attr_timeout: the node's attributes are invalidated.
   */
  private void accessAclChanged(Request rq, String path) throws IOException {
    UnionFs.Attr a = union.getattr(path);
    if ((a.mode() & SetIdBits.S_ISGID) != 0 && !CallerCredentials.of(rq).inGroupOrCapable(a.gid())) {
      union.chmod(path, a.mode() & 07777 & ~SetIdBits.S_ISGID);
    }
    s.invalidateAttributes(nodes.get(rq.nodeid));
  }

  void getxattr(Request rq, Reply rp) throws IOException {
    String path = path(rq);
    int size = rq.u32();
    rq.skip(4);
    sized(rp, size, union.getxattr(path, rq.name()));
  }

  void listxattr(Request rq, Reply rp) throws IOException {
    String path = path(rq);
    int size = rq.u32();
    // The list is the names, each NUL-terminated, back to back.
    ByteArrayOutputStream names = new ByteArrayOutputStream();
    for (String n : union.listxattr(path)) {
      names.writeBytes(Reply.utf8(n));
      names.write(0);
    }
    sized(rp, size, names.toByteArray());
  }

  /** The xattr protocol: size 0 asks for the length, a buffer too small is ERANGE. */
  private static void sized(Reply rp, int size, byte[] v) throws ErrnoException {
    if (size == 0) {
      rp.u32(v.length).u32(0);
    } else if (v.length > size) {
      throw new ErrnoException(Errno.ERANGE, "xattr", "buffer of " + size + " bytes");
    } else {
      rp.bytes(v);
    }
  }

  void removexattr(Request rq) throws IOException {
    String path = path(rq);
    String name = rq.name();
    union.removexattr(path, name);
    if (name.equals(ACL_ACCESS)) {
      accessAclChanged(rq, path);
    }
  }

  void statfs(Request rq, Reply rp) throws IOException {
    StatFs f = union.statfs(path(rq));
    rp.u64(f.blocks()).u64(f.bfree()).u64(f.bavail()).u64(f.files()).u64(f.ffree());
    rp.u32((int) f.bsize()).u32((int) f.namemax()).u32((int) f.frsize()).u32(0);
    for (int i = 0; i < 6; i++) {
      rp.u32(0);
    }
  }

  void access(Request rq) throws IOException {
    String path = path(rq);
    union.access(path, rq.u32());
  }
}
