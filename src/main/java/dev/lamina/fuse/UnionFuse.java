package dev.lamina.fuse;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.Errnos;
import dev.lamina.sys.NativeBuffers;
import dev.lamina.union.UnionFs;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.Caller;
import dev.lamina.union.UnionFs.DirEntry;
import dev.lamina.union.UnionFs.OpenDir;
import dev.lamina.union.UnionFs.OpenFile;
import dev.lamina.union.UnionFs.StatFs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The jnr-fuse adapter: every FUSE operation the UnionFs supports is one call into it, answered with 0
 * or -errno. Nothing is thrown into native code, and this is the only class that fills FUSE structs.
 * Operations not overridden here stay {@code @NotImplemented}, so libfuse answers ENOSYS for them.
 */
public final class UnionFuse extends FuseStubFS {
  private static final Logger LOG = LoggerFactory.getLogger(UnionFuse.class);

  /** Bits of the {@code fuse_operations} flag word (little-endian bitfield, see native-notes.md). */
  private static final int FLAG_NULLPATH_OK = 1;

  private static final int FLAG_NOPATH = 1 << 1;
  private static final int FLAG_UTIME_OMIT_OK = 1 << 2;

  private final UnionFs union;
  private final Runnable onInit;
  private final HandleTable<OpenFile> files = new HandleTable<>("file");
  private final HandleTable<OpenDir> dirs = new HandleTable<>("directory");

  /** One scratch stat per libfuse worker thread for readdir entries (only st_ino and st_mode are read). */
  private final ThreadLocal<FileStat> direntStat =
      ThreadLocal.withInitial(
          () -> {
            jnr.ffi.Runtime rt = jnr.ffi.Runtime.getSystemRuntime();
            return FileStat.of(Memory.allocateDirect(rt, Struct.size(new FileStat(rt)), true));
          });

  /**
   * @param onInit run when the kernel's INIT request reaches us, i.e. once the mount is live
   */
  public UnionFuse(UnionFs union, Runnable onInit) {
    this.union = union;
    this.onInit = onInit;
    // Paths are only needed by path operations: handle operations get NULL (nopath saves libfuse a path
    // walk per read/write), and NULL is also what an unlinked-but-open file gets (nullpath_ok keeps it
    // readable). utime_omit_ok passes UTIME_NOW/UTIME_OMIT through to utimens unchanged.
    Struct.getMemory(fuseOperations)
        .putInt(flagWordOffset(), FLAG_NULLPATH_OK | FLAG_NOPATH | FLAG_UTIME_OMIT_OK);
  }

  /**
   * Starts building jnr-fuse's bindings (the libfuse proxy and one generated closure class per callback,
   * cached by jnr) on a background thread, so that this CPU-heavy part of start-up overlaps with option
   * parsing, checks and opening the union. The instance built is thrown away.
   */
  public static void warmUpInBackground() {
    Thread t =
        new Thread(
            () -> {
              try {
                new UnionFuse(null, () -> {});
              } catch (Throwable e) {
                LOG.debug("jnr-fuse warm-up failed (the mount will report it): {}", e.toString());
              }
            },
            "lamina-fuse-warmup");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Offset of the flag bitfield in libfuse 2.9's {@code struct fuse_operations}: it follows the 38
   * function pointers getattr ... bmap (jnr-fuse models it as padding, so it cannot tell us).
   */
  static long flagWordOffset() {
    return 38L * jnr.ffi.Runtime.getSystemRuntime().addressSize();
  }

  /** Marks the mount as no longer needing jnr-fuse's own unmount-on-exit hook (we unmount ourselves). */
  void disownShutdownHook() {
    mounted.set(false);
  }

  @Override
  public Pointer init(Pointer conn) {
    try {
      onInit.run();
    } catch (Throwable t) {
      LOG.error("mount readiness callback failed", t);
    }
    return null;
  }

  @Override
  public int getattr(String path, FileStat stat) {
    try {
      fill(stat, union.getattr(path));
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
    try {
      fill(stat, union.fgetattr(files.get(fi.fh.get())));
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int readlink(String path, Pointer buf, long size) {
    try {
      byte[] target = union.readlink(path).getBytes(StandardCharsets.UTF_8);
      // readlink in FUSE 2 wants a NUL-terminated string, truncated to fit.
      int n = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int mknod(String path, long mode, long rdev) {
    try {
      union.mknod(path, (int) mode, rdev, caller());
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int mkdir(String path, long mode) {
    try {
      union.mkdir(path, (int) mode, caller());
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int unlink(String path) {
    try {
      union.unlink(path);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int rmdir(String path) {
    try {
      union.rmdir(path);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int symlink(String target, String linkPath) {
    try {
      union.symlink(target, linkPath, caller());
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int rename(String from, String to) {
    try {
      // libfuse 2 has no renameat2 flags; the kernel answers EINVAL for flagged renames itself.
      union.rename(from, to, 0);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int link(String existing, String newPath) {
    try {
      union.link(existing, newPath);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int chmod(String path, long mode) {
    try {
      union.chmod(path, (int) mode);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int chown(String path, long uid, long gid) {
    try {
      // uid_t is unsigned: (uid_t) -1 arrives as 4294967295 and means "leave unchanged".
      union.chown(path, (int) uid, (int) gid);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int truncate(String path, long size) {
    try {
      union.truncate(path, size);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int ftruncate(String path, long size, FuseFileInfo fi) {
    try {
      union.ftruncate(files.get(fi.fh.get()), size);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    try {
      union.utimens(path, time(timespec[0]), time(timespec[1]));
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    try {
      fi.fh.set(files.add(union.open(path, fi.flags.get())));
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int create(String path, long mode, FuseFileInfo fi) {
    try {
      fi.fh.set(files.add(union.create(path, (int) mode, fi.flags.get(), caller())));
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    try {
      OpenFile file = files.get(fi.fh.get());
      ByteBuffer dst = NativeBuffers.view(buf.address(), (int) size);
      // FUSE (without direct_io) treats a short read as end of file, so fill the buffer unless at EOF.
      while (dst.hasRemaining()) {
        int n = union.read(file, dst, offset + dst.position());
        if (n <= 0) {
          break;
        }
      }
      return dst.position();
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    try {
      OpenFile file = files.get(fi.fh.get());
      ByteBuffer src = NativeBuffers.view(buf.address(), (int) size);
      while (src.hasRemaining()) {
        int n = union.write(file, src, offset + src.position());
        if (n <= 0) {
          throw new ErrnoException(Errno.EIO, "write", "handle " + fi.fh.get());
        }
      }
      return src.position();
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    try {
      union.flush(files.get(fi.fh.get()));
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    try {
      union.fsync(files.get(fi.fh.get()), isdatasync != 0);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int fallocate(String path, int mode, long off, long length, FuseFileInfo fi) {
    try {
      union.fallocate(files.get(fi.fh.get()), mode, off, length);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    try {
      union.release(files.remove(fi.fh.get()));
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int opendir(String path, FuseFileInfo fi) {
    try {
      fi.fh.set(dirs.add(union.opendir(path)));
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
    try {
      List<DirEntry> entries = union.readdir(dirs.get(fi.fh.get()), offset);
      FileStat stat = direntStat.get();
      Pointer statMem = Struct.getMemory(stat);
      long next = offset;
      for (DirEntry e : entries) {
        next++;
        // libfuse passes st_ino (with use_ino) and the type bits of st_mode on as d_ino and d_type.
        stat.st_ino.set(e.ino());
        stat.st_mode.set(e.type());
        // The offset of an entry is the index of the one after it, so a listing resumes where it stopped.
        if (filler.apply(buf, cString(e.name()), statMem, next) != 0) {
          break;
        }
      }
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int releasedir(String path, FuseFileInfo fi) {
    try {
      union.releasedir(dirs.remove(fi.fh.get()));
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int getxattr(String path, String name, Pointer value, long size) {
    try {
      byte[] v = union.getxattr(path, name);
      return copyOut(v, value, size);
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int setxattr(String path, String name, Pointer value, long size, int flags) {
    try {
      byte[] v = new byte[(int) size];
      if (size > 0) {
        value.get(0, v, 0, v.length);
      }
      union.setxattr(path, name, v, flags);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int listxattr(String path, Pointer list, long size) {
    try {
      // The list is the names, each NUL-terminated, back to back.
      StringBuilder names = new StringBuilder();
      for (String n : union.listxattr(path)) {
        names.append(n).append('\0');
      }
      return copyOut(names.toString().getBytes(StandardCharsets.UTF_8), list, size);
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int removexattr(String path, String name) {
    try {
      union.removexattr(path, name);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int statfs(String path, Statvfs stbuf) {
    try {
      StatFs s = union.statfs(path);
      stbuf.f_bsize.set(s.bsize());
      stbuf.f_frsize.set(s.frsize());
      stbuf.f_blocks.set(s.blocks());
      stbuf.f_bfree.set(s.bfree());
      stbuf.f_bavail.set(s.bavail());
      stbuf.f_files.set(s.files());
      stbuf.f_ffree.set(s.ffree());
      stbuf.f_favail.set(s.ffree());
      stbuf.f_namemax.set(s.namemax());
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  @Override
  public int access(String path, int mask) {
    try {
      union.access(path, mask);
      return 0;
    } catch (Throwable t) {
      return -Errnos.of(t);
    }
  }

  /**
   * Releases every handle still open. After an unmount the kernel drops the RELEASE requests it had not yet
   * sent (closing a file on FUSE releases it asynchronously), so without this their backing descriptors,
   * which pin the layers' filesystems, would stay open until the process is gone.
   */
  void releaseAll() {
    for (OpenFile f : files.drain()) {
      try {
        union.release(f);
      } catch (Throwable t) {
        LOG.debug("release after unmount failed: {}", t.toString());
      }
    }
    for (OpenDir d : dirs.drain()) {
      try {
        union.releasedir(d);
      } catch (Throwable t) {
        LOG.debug("releasedir after unmount failed: {}", t.toString());
      }
    }
  }

  /** Open handles, for tests and leak checks. */
  int openHandles() {
    return files.size() + dirs.size();
  }

  private Caller caller() {
    FuseContext ctx = getContext();
    return new Caller(ctx.uid.intValue(), ctx.gid.intValue());
  }

  /** getxattr/listxattr protocol: size 0 asks for the length, a too-small buffer is ERANGE. */
  private static int copyOut(byte[] v, Pointer dst, long size) throws ErrnoException {
    if (size == 0) {
      return v.length;
    }
    if (size < v.length) {
      throw new ErrnoException(Errno.ERANGE, "xattr", "buffer of " + size + " bytes");
    }
    dst.put(0, v, 0, v.length);
    return v.length;
  }

  private static UnionFs.Timespec time(Timespec t) {
    return new UnionFs.Timespec(t.tv_sec.get(), t.tv_nsec.longValue());
  }

  /** A NUL-terminated name: jnr passes the buffer's bytes as they are to the {@code const char*}. */
  private static ByteBuffer cString(String name) {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer bb = ByteBuffer.allocate(b.length + 1);
    bb.put(b).put((byte) 0).flip();
    return bb;
  }

  private static void fill(FileStat st, Attr a) {
    st.st_mode.set(a.mode());
    st.st_ino.set(a.ino());
    st.st_nlink.set(a.nlink());
    st.st_uid.set(a.uid());
    st.st_gid.set(a.gid());
    st.st_rdev.set(a.rdev());
    st.st_size.set(a.size());
    st.st_blocks.set(a.blocks());
    st.st_blksize.set(a.blksize());
    st.st_atim.tv_sec.set(a.atime().sec());
    st.st_atim.tv_nsec.set(a.atime().nsec());
    st.st_mtim.tv_sec.set(a.mtime().sec());
    st.st_mtim.tv_nsec.set(a.mtime().nsec());
    st.st_ctim.tv_sec.set(a.ctime().sec());
    st.st_ctim.tv_nsec.set(a.ctime().nsec());
  }
}
