package dev.lamina.fuse.kernel;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.FuseDevice;
import dev.lamina.union.UnionFs.Backing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FUSE passthrough (Linux 6.9+): for an open file of the upper layer, the kernel reads and writes the
 * backing file itself, so that file's I/O costs no request at all. Registering a backing file needs
 * CAP_SYS_ADMIN in the initial user namespace; without it (rootless mounts) every open is served as before.
 *
 * <p>The kernel's rules, per FUSE inode: every open is either passthrough to one and the same backing file,
 * or cached; mixing them fails the open with EIO. So a node that has cached opens gets cached opens, one
 * with passthrough opens gets passthrough opens with the same backing id, and a node with none decides
 * afresh. Only upper files are handed over: a lower file opened for reading must follow a later copy-up (as
 * on overlayfs), which the kernel could not do for it. Files with more than one link are served cached: a
 * choice kept from when each name was a FUSE inode of its own (every name of an upper inode is one node now).
 */
final class Passthrough {
  private static final Logger LOG = LoggerFactory.getLogger(Passthrough.class);

  /** Backing files must be on a file system that is not itself stacked (overlayfs, ecryptfs). */
  static final int MAX_STACK_DEPTH = 1;

  /**
   * How one open is served: its FOPEN flags, for passthrough its backing id, and whether it is a passthrough
   * open that may write (the kernel then changes the file without telling us: {@link Node#passthroughWriting}).
   */
  record Mode(int flags, int backingId, boolean writes) {
    boolean passthrough() {
      return (flags & Protocol.FOPEN_PASSTHROUGH) != 0;
    }
  }

  private final int devFd;
  private final boolean directIo;
  private volatile boolean enabled;

  Passthrough(int devFd, boolean directIo) {
    this.devFd = devFd;
    this.directIo = directIo;
  }

  /**
   * Whether to ask the kernel for passthrough: wanted, and this process may register backing files (an
   * effective CAP_SYS_ADMIN outside any user namespace).
   */
  static boolean available(boolean wanted) {
    if (!wanted) {
      return false;
    }
    try {
      String uidMap = Files.readString(Path.of("/proc/self/uid_map")).trim();
      if (!uidMap.matches("0\\s+0\\s+4294967295")) {
        return false;
      }
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 21)) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot tell whether passthrough is allowed: {}", e.toString());
    }
    return false;
  }

  /** The kernel agreed (INIT): opens may use passthrough from now on. */
  void negotiated() {
    enabled = true;
    LOG.debug("FUSE passthrough on: upper files' reads and writes go to the kernel");
  }

  boolean enabled() {
    return enabled;
  }

  /**
   * Chooses how node n's new open of {@code backing} (null: not an upper regular file), which may write if
   * {@code mayWrite}, is served.
   */
  Mode open(Node n, Backing backing, boolean mayWrite) throws ErrnoException {
    synchronized (n) {
      Node.Io io = n.io();
      if (io.passthroughOpens > 0) {
        // the kernel requires every open of this inode to be passthrough to the same file
        if (backing == null || backing.dev() != io.backingDev || backing.ino() != io.backingIno) {
          throw new ErrnoException(Errno.EBUSY, "open (passthrough to another file is open)", n.toString());
        }
        io.passthroughOpens++;
        return passthrough(io, io.backingId, mayWrite);
      }
      if (enabled && !directIo && backing != null && backing.nlink() == 1 && io.cachedOpens == 0) {
        int id = FuseDevice.backingOpen(devFd, backing.fd());
        if (id > 0) {
          io.backingId = id;
          io.backingDev = backing.dev();
          io.backingIno = backing.ino();
          io.passthroughOpens = 1;
          io.cacheStale = true; // the next cached open must not keep pages older than passthrough writes
          return passthrough(io, id, mayWrite);
        }
        // EPERM: not privileged enough; ENOTTY/EOPNOTSUPP: no passthrough in this kernel; ENOSYS: qemu-user
        // before 8.1 answers so for ioctls it cannot translate (an arm64 lamina under qemu); ELOOP: the upper
        // layer is on a stacked file system (overlayfs), so no upper file could be passed through either
        if (id == -Errno.EPERM || id == -Errno.ENOTTY || id == -Errno.EOPNOTSUPP || id == -Errno.ENOSYS
            || id == -Errno.ELOOP) {
          enabled = false;
          LOG.info("FUSE passthrough refused ({}); file I/O goes through lamina", Errno.describe(-id));
        } else {
          LOG.debug("no passthrough for {}: {}", n, Errno.describe(-id));
        }
      }
      io.cachedOpens++;
      if (directIo) {
        return new Mode(Protocol.FOPEN_DIRECT_IO, 0, false);
      }
      boolean keep = !io.cacheStale;
      io.cacheStale = false;
      return new Mode(keep ? Protocol.FOPEN_KEEP_CACHE : 0, 0, false);
    }
  }

  private static Mode passthrough(Node.Io io, int backingId, boolean mayWrite) {
    if (mayWrite) {
      io.passthroughWriters++;
    }
    return new Mode(Protocol.FOPEN_PASSTHROUGH, backingId, mayWrite);
  }

  /** An open of n made with mode m was released. */
  void release(Node n, Mode m) {
    synchronized (n) {
      Node.Io io = n.io();
      if (!m.passthrough()) {
        io.cachedOpens--;
        return;
      }
      if (m.writes()) {
        io.passthroughWriters--;
      }
      if (--io.passthroughOpens == 0) {
        int rc = FuseDevice.backingClose(devFd, io.backingId);
        if (rc < 0) {
          LOG.debug("closing backing id {} of {} failed: {}", io.backingId, n, Errno.describe(-rc));
        }
        io.backingId = 0;
      }
    }
  }
}
