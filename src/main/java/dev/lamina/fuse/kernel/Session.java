package dev.lamina.fuse.kernel;

import dev.lamina.fuse.kernel.Shared.NodeDir;
import dev.lamina.fuse.kernel.Shared.NodeFile;
import dev.lamina.sys.Errno;
import dev.lamina.sys.Errnos;
import dev.lamina.sys.FuseDevice;
import dev.lamina.union.UnionFs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FUSE session spoken directly on the kernel protocol (the way go-fuse and Rust's fuser do): worker
 * threads read requests from the device, call the union, and write replies. Compared with libfuse 2's
 * path API this gives inode-based nodes (an open file outlives its name, hard links can be kept coherent),
 * READDIRPLUS, RENAME2 flags, 1 MiB reads and writes, and no allocation per request on the I/O path.
 * libfuse 2 is still what mounts (and runs fusermount for unprivileged users).
 */
public final class Session {
  private static final Logger LOG = LoggerFactory.getLogger(Session.class);
  private static final int NO_REPLY = -1;

  private final Shared shared;
  private final EntryOps entries;
  private final FileOps files;
  private final DirOps dirs;
  private final XattrOps xattrs;
  private final Runnable onInit;
  private final Path mountPoint;
  /** Requests served per opcode, logged when the session ends (what a workload costs in round trips). */
  private final AtomicLongArray served = new AtomicLongArray(64);
  /** Workers started (this thread counts as the first), and how many wait in read(2) now. */
  private final AtomicInteger started = new AtomicInteger(1);
  private final AtomicInteger idle = new AtomicInteger();
  private final ConcurrentLinkedQueue<Thread> workers = new ConcurrentLinkedQueue<>();
  /** When every worker became busy (System.nanoTime), 0 while one waits for requests. */
  private volatile long allBusySince;
  /** The session stopped serving (unmounted): no worker starts any more (set under this). */
  private volatile boolean ended;
  private final AtomicBoolean summarized = new AtomicBoolean();
  /** The device descriptor was closed (guarded by this). */
  private boolean fdClosed;
  static final long SATURATED_NANOS = 2_000_000;

  private Session(UnionFs union, SessionOptions options, int fd, Path mountPoint, Runnable onInit) {
    this.shared = new Shared(union, options, fd);
    this.entries = new EntryOps(shared);
    this.files = new FileOps(shared);
    this.dirs = new DirOps(shared);
    this.xattrs = new XattrOps(shared);
    this.onInit = onInit;
    this.mountPoint = mountPoint;
  }

  /**
   * Mounts through libfuse with {@code mountOptions} and returns the session, not yet serving: the kernel
   * waits for the reply to INIT until {@link #serve} runs.
   */
  public static Session mount(
      UnionFs union, Path mountPoint, List<String> mountOptions, SessionOptions options, Runnable onInit)
      throws IOException {
    int fd = FuseDevice.mount(mountPoint, mountOptions);
    return new Session(union, options, fd, mountPoint, onInit);
  }

  /**
   * A session on a FUSE device descriptor that another process mounted (the shared daemon serving a client in
   * another mount namespace); {@code mountPoint} only names it in the log. Owns {@code fd} from now on.
   */
  public static Session adopt(UnionFs union, int fd, Path mountPoint, SessionOptions options, Runnable onInit) {
    return new Session(union, options, fd, mountPoint, onInit);
  }

  /**
   * Serves requests until the filesystem is unmounted: on this thread and one more at first, and on another
   * whenever every worker has been busy for 2 ms, up to {@code max_threads} (started by the process's one
   * {@link WorkerGrowth} thread). Workers stay once started (no thread churn). Few workers suit serial workloads: the kernel hands a request to the reader that has
   * waited longest, so with many idle workers each request lands on a cold thread (a stat of 100,000 names
   * took 15-20% longer with 8 workers than with 1 or 2); a long copy-up or a second busy process still gets
   * more workers within milliseconds.
   */
  public void serve() throws InterruptedException {
    if (shared.options.threads() > 1) {
      while (started.get() < shared.options.minThreads()) {
        startWorker();
      }
    }
    work();
    // Unmounted: no worker may start after the others were joined.
    synchronized (this) {
      ended = true;
    }
    for (Thread t; (t = workers.poll()) != null; ) {
      t.join();
    }
    files.closePipes();
    synchronized (this) {
      fdClosed = true; // connected() must not poll the number once another file may have it
      FuseDevice.close(shared.fd);
    }
    logSummary();
  }

  private synchronized void startWorker() {
    if (ended) {
      return;
    }
    int n = started.incrementAndGet();
    Thread t = new Thread(this::work, "lamina-fuse-" + n);
    t.setDaemon(true);
    workers.add(t);
    t.start();
  }

  /** A worker took a request: when none is left waiting, the clock starts (see {@link WorkerGrowth}). */
  private void tookRequest() {
    if (idle.get() == 0 && allBusySince == 0 && started.get() < shared.options.threads() && !ended) {
      allBusySince = System.nanoTime();
      WorkerGrowth.saturated(this);
    }
  }

  long allBusySince() {
    return allBusySince;
  }

  /**
   * For {@link WorkerGrowth}: starts a worker if every worker has stayed busy for {@link #SATURATED_NANOS} by
   * {@code now}. Returns the nanoseconds left to wait, 0 when this saturation is dealt with (or over), or -1 when the
   * session will never start another worker (ended, or at {@code max_threads}).
   */
  long growIfSaturated(long now) {
    if (ended || started.get() >= shared.options.threads()) {
      return -1;
    }
    long since = allBusySince;
    if (since == 0) {
      return 0;
    }
    long wait = since + SATURATED_NANOS - now;
    if (wait > 0) {
      return wait;
    }
    if (idle.get() == 0) {
      startWorker();
    }
    allBusySince = 0;
    return 0;
  }

  /** Logs how many requests of each kind were served (at WARN with {@code -o debug}, else DEBUG). */
  public void logSummary() {
    if (!summarized.compareAndSet(false, true)) {
      return;
    }
    if (shared.options.debug()) {
      LOG.warn("session on {}: requests served: {}", mountPoint, requestCounts());
    } else if (LOG.isDebugEnabled()) {
      LOG.debug("session on {}: requests served: {}", mountPoint, requestCounts());
    }
  }

  private void work() {
    Request rq = new Request(Protocol.IN_BUFFER);
    Reply rp = new Reply(Protocol.OUT_BUFFER);
    try {
      serveRequests(rq, rp);
    } finally {
      rq.free();
      rp.free();
    }
  }

  private void serveRequests(Request rq, Reply rp) {
    while (true) {
      idle.incrementAndGet();
      if (allBusySince != 0) {
        allBusySince = 0; // a worker waits again: not saturated (read first, so no write per request)
      }
      int n = FuseDevice.read(shared.fd, rq.buf);
      idle.decrementAndGet();
      if (n < 0) {
        // EINTR/EAGAIN: try again; ENOENT: the request was interrupted before we got it.
        if (n == -Errno.EINTR || n == -Errno.EAGAIN || n == -Errno.ENOENT) {
          continue;
        }
        // ENODEV: unmounted. Anything else: the connection is unusable; stop as well.
        if (n != -Errno.ENODEV) {
          LOG.warn("reading FUSE requests for {} failed: {}", mountPoint, Errno.describe(-n));
        }
        return;
      }
      tookRequest();
      rq.parseHeader(n);
      served.incrementAndGet(rq.opcode & 63);
      rp.start(rq.unique);
      int errno;
      try {
        errno = dispatch(rq, rp);
      } catch (Throwable t) {
        errno = Errnos.of(t);
      }
      if (shared.options.debug()) {
        // Like libfuse's -d: every request on stderr (the default log level shows only warnings).
        LOG.warn("{} node {} unique {} uid {} pid {} -> {}", Protocol.name(rq.opcode), rq.nodeid, rq.unique,
            rq.uid, rq.pid, errno == NO_REPLY ? "no reply" : errno == 0 ? "ok" : Errno.describe(errno));
      }
      if (errno == NO_REPLY) {
        continue;
      }
      int rc = FuseDevice.write(shared.fd, rp.buf, rp.finish(errno));
      // ENOENT: the request was interrupted and the kernel no longer waits for this reply.
      if (rc < 0 && rc != -Errno.ENOENT) {
        LOG.debug("reply to op {} failed: {}", rq.opcode, Errno.describe(-rc));
      }
      if (rq.opcode == Protocol.INIT && errno == 0) {
        onInit.run();
      }
    }
  }

  private int dispatch(Request rq, Reply rp) throws IOException {
    switch (rq.opcode) {
      case Protocol.INIT -> init(rq, rp);
      case Protocol.LOOKUP -> entries.lookup(rq, rp);
      case Protocol.FORGET -> {
        entries.forget(rq);
        return NO_REPLY;
      }
      case Protocol.BATCH_FORGET -> {
        entries.batchForget(rq);
        return NO_REPLY;
      }
      case Protocol.INTERRUPT -> {
        return NO_REPLY;
      }
      case Protocol.GETATTR -> entries.getattr(rq, rp);
      case Protocol.SETATTR -> entries.setattr(rq, rp);
      case Protocol.READLINK -> entries.readlink(rq, rp);
      case Protocol.SYMLINK -> entries.symlink(rq, rp);
      case Protocol.MKNOD -> entries.mknod(rq, rp);
      case Protocol.MKDIR -> entries.mkdir(rq, rp);
      case Protocol.UNLINK -> entries.unlink(rq, false);
      case Protocol.RMDIR -> entries.unlink(rq, true);
      case Protocol.RENAME -> entries.rename(rq, false);
      case Protocol.RENAME2 -> entries.rename(rq, true);
      case Protocol.LINK -> entries.link(rq, rp);
      case Protocol.CREATE -> files.create(rq, rp);
      case Protocol.TMPFILE -> files.tmpfile(rq, rp);
      case Protocol.OPEN -> files.open(rq, rp);
      case Protocol.READ -> {
        if (files.read(rq, rp)) {
          return NO_REPLY; // spliced: already sent
        }
      }
      case Protocol.WRITE -> files.write(rq, rp);
      case Protocol.FLUSH -> files.flush(rq);
      case Protocol.LSEEK -> files.lseek(rq, rp);
      case Protocol.FSYNC -> files.fsync(rq);
      case Protocol.FALLOCATE -> files.fallocate(rq);
      case Protocol.RELEASE -> files.release(rq);
      case Protocol.OPENDIR -> dirs.opendir(rq, rp);
      case Protocol.READDIR -> dirs.readdir(rq, rp, false);
      case Protocol.READDIRPLUS -> dirs.readdir(rq, rp, true);
      case Protocol.RELEASEDIR -> dirs.releasedir(rq);
      case Protocol.FSYNCDIR, Protocol.DESTROY -> {}
      case Protocol.SETXATTR -> xattrs.setxattr(rq);
      case Protocol.GETXATTR -> xattrs.getxattr(rq, rp);
      case Protocol.LISTXATTR -> xattrs.listxattr(rq, rp);
      case Protocol.REMOVEXATTR -> xattrs.removexattr(rq);
      case Protocol.STATFS -> xattrs.statfs(rq, rp);
      case Protocol.ACCESS -> xattrs.access(rq);
      default -> {
        return Errno.ENOSYS;
      }
    }
    return 0;
  }

  /** Negotiates the protocol: we speak 7.31 and ask for the features the kernel offers of those we use. */
  private void init(Request rq, Reply rp) throws IOException {
    int major = rq.u32();
    int minor = rq.u32();
    int maxReadahead = rq.u32();
    int offered = rq.u32();
    int offered2 = (offered & Protocol.INIT_EXT) != 0 && rq.length >= Protocol.IN_HEADER + 20 ? rq.u32() : 0;
    if (major != Protocol.MAJOR) {
      throw new IOException("the kernel speaks FUSE " + major + "." + minor + "; lamina needs 7.x");
    }
    int wanted =
        Protocol.ASYNC_READ | Protocol.ATOMIC_O_TRUNC | Protocol.BIG_WRITES | Protocol.DONT_MASK
            | Protocol.AUTO_INVAL_DATA | Protocol.ASYNC_DIO | Protocol.PARALLEL_DIROPS | Protocol.MAX_PAGES
            | Protocol.CACHE_SYMLINKS;
    switch (shared.options.readdirPlus()) {
      case "always" -> wanted |= Protocol.DO_READDIRPLUS;
      case "auto" -> wanted |= Protocol.DO_READDIRPLUS | Protocol.READDIRPLUS_AUTO;
      default -> {}
    }
    boolean passthrough = (offered2 & Protocol.FLAGS2_PASSTHROUGH) != 0
        && Passthrough.available(shared.options.passthrough()) && !shared.options.directIo();
    if (passthrough) {
      wanted |= Protocol.INIT_EXT;
      shared.passthrough.negotiated();
    }
    // A node id lives from LOOKUP to FORGET and means nothing to another mount, so a file handle (node id and
    // generation) would open nothing once the kernel has dropped the inode: ESTALE after a cache drop or a
    // remount. Tell the kernel to hand out none, so name_to_handle_at(2) and NFS export refuse at once
    // (EOPNOTSUPP), as on kernel overlayfs without nfs_export.
    boolean noExport = (offered2 & Protocol.FLAGS2_NO_EXPORT_SUPPORT) != 0;
    if (noExport) {
      wanted |= Protocol.INIT_EXT;
    }
    rp.u32(Protocol.MAJOR).u32(Protocol.MINOR).u32(maxReadahead).u32(offered & wanted);
    rp.buf.putShort((short) 64); // max_background
    rp.buf.putShort((short) 48); // congestion_threshold
    rp.u32(Protocol.MAX_IO); // max_write
    rp.u32(1); // time_gran: nanoseconds
    rp.buf.putShort((short) Protocol.MAX_PAGES_COUNT);
    rp.buf.putShort((short) 0); // map_alignment
    rp.u32((passthrough ? Protocol.FLAGS2_PASSTHROUGH : 0) | (noExport ? Protocol.FLAGS2_NO_EXPORT_SUPPORT : 0));
    rp.u32(passthrough ? Passthrough.MAX_STACK_DEPTH : 0); // max_stack_depth
    for (int i = 0; i < 6; i++) {
      rp.u32(0); // unused
    }
    if (minor < 23) {
      // Kernels before 7.23 take the 24-byte init_out.
      rp.buf.position(Protocol.OUT_HEADER + 24);
    }
    LOG.debug("FUSE {}.{} on {}: flags {} of {}", major, minor, mountPoint,
        Integer.toHexString(offered & wanted), Integer.toHexString(offered));
  }

  /**
   * Releases every handle still open. After an unmount the kernel drops the RELEASE requests it had not
   * yet sent, so without this their backing descriptors (which pin the layers) would stay open.
   */
  public void releaseAll() {
    for (NodeFile f : shared.files.drain()) {
      try {
        shared.union.release(f.file());
      } catch (Throwable t) {
        LOG.debug("release after unmount failed: {}", t.toString());
      }
    }
    for (NodeDir d : shared.dirs.drain()) {
      try {
        shared.union.releasedir(d.dir());
      } catch (Throwable t) {
        LOG.debug("releasedir after unmount failed: {}", t.toString());
      }
    }
  }

  /** "LOOKUP=12 GETATTR=3 ..." for every opcode served at least once. */
  String requestCounts() {
    StringBuilder sb = new StringBuilder();
    for (int op = 0; op < served.length(); op++) {
      long c = served.get(op);
      if (c > 0) {
        sb.append(sb.length() == 0 ? "" : " ").append(Protocol.name(op)).append('=').append(c);
      }
    }
    return sb.toString();
  }

  /** Requests of every kind served so far. */
  public long totalServed() {
    long n = 0;
    for (int op = 0; op < served.length(); op++) {
      n += served.get(op);
    }
    return n;
  }

  /** Requests of one opcode (by its name, "WRITE") served so far. */
  public long served(String opcode) {
    for (int op = 0; op < served.length(); op++) {
      if (opcode.equals(Protocol.name(op))) {
        return served.get(op);
      }
    }
    throw new IllegalArgumentException("no FUSE opcode " + opcode);
  }

  /** Whether upper files' I/O is handed to the kernel (negotiated, and not refused since). */
  public boolean passthrough() {
    return shared.passthrough.enabled();
  }

  /** Whether the kernel still has the file system mounted (its connection stands), as of now. */
  public synchronized boolean connected() {
    return !fdClosed && FuseDevice.connected(shared.fd);
  }

  /** Worker threads started so far (the serving thread included). */
  public int workers() {
    return started.get();
  }

  /** Nodes the kernel holds, for tests and leak checks. */
  public int nodes() {
    return shared.nodes.size();
  }
}
