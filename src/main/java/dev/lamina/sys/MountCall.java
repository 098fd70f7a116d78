package dev.lamina.sys;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;

/** mount(2) with MS_REMOUNT: changes the flags (read-only, nosuid, ...) of a file system already mounted. */
public final class MountCall {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_SYNCHRONOUS = 16;
  public static final long MS_REMOUNT = 32;
  public static final long MS_DIRSYNC = 128;
  public static final long MS_NOATIME = 1024;
  public static final long MS_NODIRATIME = 2048;
  public static final long MS_RELATIME = 1 << 21;
  public static final long MS_STRICTATIME = 1 << 24;

  /** The libc function, bound on first use. */
  public interface Api {
    int mount(@In byte[] source, @In byte[] target, @In byte[] fstype, long flags, Pointer data);

    int umount2(@In byte[] target, int flags);
  }

  private static final class Holder {
    static final Api API = LibraryLoader.create(Api.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(API);
  }

  private MountCall() {}

  /** umount2(target, MNT_DETACH): detaches the mount now (needs CAP_SYS_ADMIN over its mount namespace). */
  public static void detach(Path target) throws ErrnoException {
    byte[] t = (target.toString() + "\0").getBytes(StandardCharsets.UTF_8);
    if (Holder.API.umount2(t, 2) != 0) {
      throw new ErrnoException(Holder.RUNTIME.getLastError(), "umount", target.toString());
    }
  }

  /**
   * mount(NULL, target, NULL, MS_REMOUNT | flags, NULL): no file-system data (FUSE ignores it on a remount
   * through mount(2), and refuses changes to it).
   */
  public static void remount(Path target, long flags) throws ErrnoException {
    byte[] t = (target.toString() + "\0").getBytes(StandardCharsets.UTF_8);
    if (Holder.API.mount(null, t, null, MS_REMOUNT | flags, null) != 0) {
      throw new ErrnoException(Holder.RUNTIME.getLastError(), "remount", target.toString());
    }
  }
}
