package dev.lamina.layer;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;

/**
 * {@link NodeOps} with java.nio only: enough for rootless extraction ({@code user.*} xattrs, no device
 * nodes); mknod and other xattr namespaces fail with ENOTSUP.
 */
public class NioNodeOps implements NodeOps {
  @Override
  public void mknod(Path p, int mode, long dev) throws IOException {
    throw new ErrnoException(Errno.ENOTSUP, "mknod (not available through java.nio)", p.toString());
  }

  @Override
  public void lsetxattr(Path p, String name, byte[] value) throws IOException {
    if (!name.startsWith("user.")) {
      throw new ErrnoException(Errno.ENOTSUP, "lsetxattr " + name + " (only user.* through java.nio)", p.toString());
    }
    UserDefinedFileAttributeView v =
        Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    v.write(name.substring("user.".length()), ByteBuffer.wrap(value));
  }

  @Override
  public void lchown(Path p, int uid, int gid) throws IOException {
    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public void chmod(Path p, int mode) throws IOException {
    Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public void symlink(String target, Path p) throws IOException {
    Files.createSymbolicLink(p, p.getFileSystem().getPath(target));
  }

  @Override
  public void lutimes(Path p, FileTime atime, FileTime mtime) throws IOException {
    Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(mtime, atime, null);
  }
}
