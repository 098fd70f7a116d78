package dev.lamina.layer;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * The host calls extraction needs beyond creating files and directories: ownership, modes with
 * setuid bits, times without following symlinks, xattrs in any namespace and special nodes. Like umoci's
 * FsEval, the extractor never knows how they are implemented.
 */
public interface NodeOps {
  /** mknodat; used only for 0/0 whiteout char devices and fifos, never for devices from a layer. */
  void mknod(Path p, int mode, long dev) throws IOException;

  /** lsetxattr in any namespace (trusted.*, user.*, security.*). */
  void lsetxattr(Path p, String name, byte[] value) throws IOException;

  void lchown(Path p, int uid, int gid) throws IOException;

  /** chmod of the permission bits including setuid, setgid and sticky; never called on symlinks. */
  void chmod(Path p, int mode) throws IOException;

  /** symlink(2) with the target text exactly as given (java.nio would normalise "a//b/" to "a/b"). */
  void symlink(String target, Path p) throws IOException;

  /** utimensat with AT_SYMLINK_NOFOLLOW. */
  void lutimes(Path p, FileTime atime, FileTime mtime) throws IOException;
}
