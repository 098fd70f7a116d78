package dev.lamina.fuse;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A test-only UnionFs over one plain directory (no layers), through NIO, to exercise the FUSE adapter and
 * mount machinery independently of the overlay core. Supports what the adapter ITs need.
 */
final class PassthroughUnionFs implements UnionFs {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private final Path root;
  private final boolean readOnly;

  PassthroughUnionFs(Path root, boolean readOnly) {
    this.root = root;
    this.readOnly = readOnly;
  }

  private record File(FileChannel ch, Path path) implements OpenFile {}

  private record Dir(List<DirEntry> entries) implements OpenDir {}

  private Path p(String path) {
    return root.resolve(path.substring(1));
  }

  private void writable(String op, String path) throws ErrnoException {
    if (readOnly) {
      throw new ErrnoException(Errno.EROFS, op, path);
    }
  }

  @Override
  public Attr getattr(String path) throws IOException {
    return attr(p(path));
  }

  private static Attr attr(Path p) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:*", NOFOLLOW);
    return new Attr(
        (Long) a.get("ino"), (Integer) a.get("mode"), (Integer) a.get("nlink"),
        (Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("rdev"), (Long) a.get("size"),
        ((Long) a.get("size") + 511) / 512, 4096, ts((FileTime) a.get("lastAccessTime")),
        ts((FileTime) a.get("lastModifiedTime")), ts((FileTime) a.get("ctime")));
  }

  private static Timespec ts(FileTime t) {
    long ns = t.to(TimeUnit.NANOSECONDS);
    return new Timespec(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
  }

  @Override
  public Attr fgetattr(OpenFile file) throws IOException {
    return attr(((File) file).path());
  }

  @Override
  public String readlink(String path) throws IOException {
    return Files.readSymbolicLink(p(path)).toString();
  }

  @Override
  public void mknod(String path, int mode, long rdev, Caller caller) throws IOException {
    writable("mknod", path);
    if ((mode & 0170000) != 0100000) {
      throw new ErrnoException(Errno.EPERM, "mknod", path);
    }
    Files.createFile(p(path));
  }

  @Override
  public void mkdir(String path, int mode, Caller caller) throws IOException {
    writable("mkdir", path);
    Files.createDirectory(p(path));
  }

  @Override
  public void unlink(String path) throws IOException {
    writable("unlink", path);
    if (Files.isDirectory(p(path), NOFOLLOW)) {
      throw new ErrnoException(Errno.EISDIR, "unlink", path);
    }
    Files.delete(p(path));
  }

  @Override
  public void rmdir(String path) throws IOException {
    writable("rmdir", path);
    if (!Files.isDirectory(p(path), NOFOLLOW)) {
      throw new ErrnoException(Errno.ENOTDIR, "rmdir", path);
    }
    Files.delete(p(path));
  }

  @Override
  public void symlink(String target, String linkPath, Caller caller) throws IOException {
    writable("symlink", linkPath);
    Files.createSymbolicLink(p(linkPath), Path.of(target));
  }

  @Override
  public void rename(String from, String to, int flags) throws IOException {
    writable("rename", from);
    Files.move(p(from), p(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public void link(String existing, String newPath) throws IOException {
    writable("link", newPath);
    Files.createLink(p(newPath), p(existing));
  }

  @Override
  public void chmod(String path, int mode) throws IOException {
    writable("chmod", path);
    Set<PosixFilePermission> perms = new HashSet<>();
    PosixFilePermission[] all = PosixFilePermission.values();
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        perms.add(all[i]);
      }
    }
    Files.setPosixFilePermissions(p(path), perms);
  }

  @Override
  public void chown(String path, int uid, int gid) throws IOException {
    writable("chown", path);
    if (uid != -1) {
      Files.setAttribute(p(path), "unix:uid", uid, NOFOLLOW);
    }
    if (gid != -1) {
      Files.setAttribute(p(path), "unix:gid", gid, NOFOLLOW);
    }
  }

  @Override
  public void truncate(String path, long size) throws IOException {
    writable("truncate", path);
    try (FileChannel ch = FileChannel.open(p(path), StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  @Override
  public void utimens(String path, Timespec atime, Timespec mtime) throws IOException {
    writable("utimens", path);
    if (mtime.nsec() != Timespec.UTIME_OMIT) {
      FileTime t =
          mtime.nsec() == Timespec.UTIME_NOW
              ? FileTime.fromMillis(System.currentTimeMillis())
              : FileTime.from(mtime.sec() * 1_000_000_000L + mtime.nsec(), TimeUnit.NANOSECONDS);
      Files.setLastModifiedTime(p(path), t);
    }
  }

  @Override
  public OpenFile open(String path, int flags) throws IOException {
    Set<OpenOption> opts = new HashSet<>();
    int acc = flags & 3;
    if (acc != 1) {
      opts.add(StandardOpenOption.READ);
    }
    if (acc != 0) {
      writable("open", path);
      opts.add(StandardOpenOption.WRITE);
      if ((flags & 01000) != 0) {
        opts.add(StandardOpenOption.TRUNCATE_EXISTING);
      }
      if ((flags & 02000) != 0) {
        opts.add(StandardOpenOption.APPEND);
      }
    }
    return new File(FileChannel.open(p(path), opts), p(path));
  }

  @Override
  public OpenFile create(String path, int mode, int flags, Caller caller) throws IOException {
    writable("create", path);
    Files.newByteChannel(p(path), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
    chmod(path, mode & 07777);
    return open(path, flags & ~(0100 | 0200));
  }

  @Override
  public int read(OpenFile file, ByteBuffer dst, long offset) throws IOException {
    return Math.max(0, ((File) file).ch().read(dst, offset));
  }

  @Override
  public int write(OpenFile file, ByteBuffer src, long offset) throws IOException {
    return ((File) file).ch().write(src, offset);
  }

  @Override
  public void flush(OpenFile file) {}

  @Override
  public void fsync(OpenFile file, boolean dataOnly) throws IOException {
    ((File) file).ch().force(!dataOnly);
  }

  @Override
  public void ftruncate(OpenFile file, long size) throws IOException {
    ((File) file).ch().truncate(size);
  }

  @Override
  public void fallocate(OpenFile file, int mode, long offset, long length) throws IOException {
    throw new ErrnoException(Errno.EOPNOTSUPP, "fallocate", ((File) file).path().toString());
  }

  @Override
  public void release(OpenFile file) throws IOException {
    ((File) file).ch().close();
  }

  @Override
  public OpenDir opendir(String path) throws IOException {
    List<DirEntry> entries = new ArrayList<>();
    entries.add(new DirEntry(".", 0, 0040000));
    entries.add(new DirEntry("..", 0, 0040000));
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(p(path))) {
      for (Path c : ds) {
        Attr a = attr(c);
        entries.add(new DirEntry(c.getFileName().toString(), a.ino(), a.mode() & 0170000));
      }
    }
    return new Dir(entries);
  }

  @Override
  public List<DirEntry> readdir(OpenDir dir, long offset) {
    List<DirEntry> all = ((Dir) dir).entries();
    return all.subList((int) Math.min(offset, all.size()), all.size());
  }

  @Override
  public void releasedir(OpenDir dir) {}

  private UserDefinedFileAttributeView xattrs(String path, String name) throws ErrnoException {
    if (name != null && !name.startsWith("user.")) {
      throw new ErrnoException(Errno.ENOTSUP, "xattr", path);
    }
    return Files.getFileAttributeView(p(path), UserDefinedFileAttributeView.class);
  }

  @Override
  public byte[] getxattr(String path, String name) throws IOException {
    UserDefinedFileAttributeView v = xattrs(path, name);
    String n = name.substring(5);
    if (!v.list().contains(n)) {
      throw new ErrnoException(Errno.ENODATA, "getxattr", path);
    }
    ByteBuffer b = ByteBuffer.allocate(v.size(n));
    v.read(n, b);
    return b.array();
  }

  @Override
  public void setxattr(String path, String name, byte[] value, int flags) throws IOException {
    writable("setxattr", path);
    xattrs(path, name).write(name.substring(5), ByteBuffer.wrap(value));
  }

  @Override
  public List<String> listxattr(String path) throws IOException {
    return xattrs(path, null).list().stream().map(n -> "user." + n).toList();
  }

  @Override
  public void removexattr(String path, String name) throws IOException {
    writable("removexattr", path);
    xattrs(path, name).delete(name.substring(5));
  }

  @Override
  public StatFs statfs(String path) throws IOException {
    FileStore s = Files.getFileStore(root);
    long bs = s.getBlockSize();
    return new StatFs(
        bs, bs, s.getTotalSpace() / bs, s.getUnallocatedSpace() / bs, s.getUsableSpace() / bs,
        1_000_000, 500_000, 255);
  }

  @Override
  public void access(String path, int mask) throws IOException {
    if ((mask & 2) != 0) {
      writable("access", path);
    }
    if (!Files.exists(p(path), NOFOLLOW)) {
      throw new ErrnoException(Errno.ENOENT, "access", path);
    }
  }

  @Override
  public void close() {}
}
