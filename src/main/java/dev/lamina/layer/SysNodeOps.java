package dev.lamina.layer;

import dev.lamina.sys.Fcntl;
import dev.lamina.sys.FileNames;
import dev.lamina.sys.HostFs;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/** {@link NodeOps} through {@link HostFs} (jnr-ffi): every namespace of xattrs, mknod, exact symlink text. */
public final class SysNodeOps implements NodeOps {
  private final HostFs fs;

  public SysNodeOps(HostFs fs) {
    this.fs = fs;
  }

  public SysNodeOps() {
    this(HostFs.get());
  }

  @Override
  public void mknod(Path p, int mode, long dev) throws IOException {
    fs.mknodat(Fcntl.AT_FDCWD, FileNames.of(p), mode, dev);
  }

  @Override
  public void lsetxattr(Path p, String name, byte[] value) throws IOException {
    fs.lsetxattr(Fcntl.AT_FDCWD, FileNames.of(p), name, value, 0);
  }

  @Override
  public void lchown(Path p, int uid, int gid) throws IOException {
    fs.fchownat(Fcntl.AT_FDCWD, FileNames.of(p), uid, gid, Fcntl.AT_SYMLINK_NOFOLLOW);
  }

  @Override
  public void chmod(Path p, int mode) throws IOException {
    fs.fchmodat(Fcntl.AT_FDCWD, FileNames.of(p), mode, 0);
  }

  @Override
  public void lutimes(Path p, FileTime atime, FileTime mtime) throws IOException {
    Instant a = atime.toInstant();
    Instant m = mtime.toInstant();
    fs.utimensat(Fcntl.AT_FDCWD, FileNames.of(p), a.getEpochSecond(), a.getNano(), m.getEpochSecond(), m.getNano(),
        Fcntl.AT_SYMLINK_NOFOLLOW);
  }

  @Override
  public void symlink(String target, Path p) throws IOException {
    fs.symlinkat(target, Fcntl.AT_FDCWD, FileNames.of(p));
  }
}
