package dev.lamina.fuse;

import dev.lamina.fuse.kernel.Session;
import dev.lamina.fuse.kernel.SessionOptions;
import dev.lamina.sys.UnmountWatch;
import dev.lamina.union.UnionFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live FUSE mount of a UnionFs: runs the kernel-protocol session (libfuse's multithreaded loop with
 * {@code -o fuse_api=libfuse}) on its own thread, returns from {@link #mount} only once the kernel has answered a
 * probe through the mount, and unmounts on close.
 */
public final class FuseMount implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);

  private final UnionFs union;
  /** The jnr-fuse server ({@code -o fuse_api=libfuse}), or null. */
  private final UnionFuse fuse;
  /** The kernel-protocol session (the default), or null. */
  private volatile Session session;
  private final Path mountPoint;
  private final String fstype;
  private final Thread loop;
  private final AtomicReference<Object> result = new AtomicReference<>();
  private volatile boolean closed;
  private volatile boolean haltOnUnmount;
  /** Run once the kernel dropped the mount and the union is closed (a shared daemon's mount), or null. */
  private volatile Runnable onUnmount;
  private final java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
  /** st_dev of the mount point while mounted. */
  private volatile Object liveDev;
  /** The readahead window to set once live (KiB; 0: the kernel default). */
  private volatile int readaheadKib;
  private volatile List<String> argv = List.of();
  /**
   * For a mount another process made and passed to us (its /dev/fuse descriptor): where it lives ("mnt:[N] /path"),
   * or null for our own mounts. Such a mount's path means nothing in our mount namespace: we neither watch it nor
   * unmount it; its end shows as the session's reads failing with ENODEV.
   */
  private volatile String passedFrom;

  private FuseMount(UnionFs union, Path mountPoint, String fstype, Runnable onInit, boolean libfuse) {
    this.union = union;
    this.mountPoint = mountPoint;
    this.fstype = fstype;
    this.fuse = libfuse ? new UnionFuse(union, onInit) : null;
    this.loop = new Thread(this::runLoop, "lamina-fuse-loop");
  }

  /**
   * Builds the native bindings the mount will need on a background thread, so that this CPU-heavy part of
   * start-up overlaps with option parsing, checks and opening the union.
   */
  public static void warmUpInBackground(List<String> rawOptions) {
    if (rawOptions.stream().anyMatch(o -> o.contains("fuse_api=" + FuseArgs.LIBFUSE_API))) {
      UnionFuse.warmUpInBackground();
      return;
    }
    Thread t =
        new Thread(
            () -> {
              try {
                dev.lamina.sys.FuseDevice.bind();
              } catch (Throwable e) {
                LOG.debug("FUSE binding warm-up failed (the mount will report it): {}", e.toString());
              }
            },
            "lamina-fuse-warmup");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Mounts {@code union} on {@code mountPoint} and waits until it is live: the kernel sent INIT, a stat of
   * the mount point was answered by us, and mountinfo lists it with our fstype.
   *
   * @throws IOException when libfuse gives up (its own message is on stderr) or the mount is not live
   *     within {@code timeout}; the union is closed then
   */
  public static FuseMount mount(
      UnionFs union, Path mountPoint, MountOptions options, boolean debug, Duration timeout)
      throws IOException {
    Path mnt = mountPoint.toRealPath();
    CountDownLatch init = new CountDownLatch(1);
    boolean root = isRoot();
    boolean libfuse = FuseArgs.LIBFUSE_API.equals(FuseArgs.api(options));
    FuseMount m = new FuseMount(union, mnt, options.fstype(), init::countDown, libfuse);
    m.loop.setDaemon(false);
    return m.startOrClose("mounting " + mnt, () -> {
      if (libfuse) {
        List<String> argv = FuseArgs.argv(options, root, debug);
        LOG.debug("fuse_main {} {}", argv, mnt);
        m.start(argv);
      } else {
        List<String> opts = FuseArgs.sessionOptions(options, root);
        List<String> mountOpts = SessionOptions.mountOptions(opts);
        LOG.debug("fuse_mount {} {}", mountOpts, mnt);
        SessionOptions so = SessionOptions.parse(opts, debug);
        m.readaheadKib = so.directIo() ? 0 : so.readaheadKib();
        m.session = Session.mount(union, mnt, mountOpts, so, init::countDown);
        m.loop.start();
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      // INIT arrives right after mount(2) (or fusermount) succeeded; if the loop ends first, it failed.
      while (!init.await(20, TimeUnit.MILLISECONDS)) {
        if (!m.loop.isAlive()) {
          throw new IOException(
              "mounting " + mnt + " failed (" + m.describeResult() + "); libfuse's reason is above");
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("mounting " + mnt + " did not complete within " + timeout);
        }
      }
      m.disown();
      LOG.debug("kernel sent INIT for {}", mnt);
      m.probe(deadline);
      if (m.readaheadKib > 0 && m.liveDev instanceof Long dev) {
        Readahead.set(dev, m.readaheadKib, mnt);
      }
      LOG.debug("{} is live", mnt);
    });
  }

  /**
   * Serves a mount that another process made (the FUSE device descriptor {@code fd}, which this mount owns from
   * now on) and returns once the kernel's INIT was answered. {@code mountPoint} and {@code namespace} only name it.
   */
  public static FuseMount serve(UnionFs union, int fd, Path mountPoint, String namespace, MountOptions options,
      Duration timeout) throws IOException {
    CountDownLatch init = new CountDownLatch(1);
    FuseMount m = new FuseMount(union, mountPoint, options.fstype(), init::countDown, false);
    m.passedFrom = namespace + " " + mountPoint;
    m.loop.setDaemon(false);
    return m.startOrClose("serving " + m.passedFrom, () -> {
      SessionOptions so = SessionOptions.parse(FuseArgs.sessionOptions(options, isRoot()), false);
      m.session = Session.adopt(union, fd, mountPoint, so, init::countDown);
      m.loop.start();
      if (!init.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException("the kernel sent no INIT for " + m.passedFrom + " within " + timeout
            + " (was the descriptor a fresh FUSE mount's?)");
      }
      LOG.debug("kernel sent INIT for {}", m.passedFrom);
    });
  }

  /** One way of bringing a mount up ({@link #mount}, {@link #serve}). */
  @FunctionalInterface
  private interface StartUp {
    void run() throws IOException, InterruptedException;
  }

  /**
   * Runs {@code startUp} and returns this mount; when it fails, closes the mount (and with it the union) and
   * rethrows, an interrupt as an IOException that says what was interrupted ({@code doing}).
   */
  private FuseMount startOrClose(String doing, StartUp startUp) throws IOException {
    try {
      startUp.run();
      return this;
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IOException("interrupted while " + doing, e);
    }
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /** What names this mount among a daemon's: the mount point, prefixed with its namespace when passed to us. */
  public String key() {
    return passedFrom != null ? passedFrom : mountPoint.toString();
  }

  /** Blocks until the filesystem is unmounted (umount, fusermount3 -u); returns libfuse's exit code. */
  public int awaitUnmount() throws InterruptedException {
    loop.join();
    Object r = result.get();
    return r instanceof Integer code ? code : 1;
  }

  /**
   * Makes the process exit (status 0) as soon as the kernel drops the mount, closing the union first and
   * skipping the JVM's orderly shutdown. Until this process is gone it holds the layers open, so
   * {@code umount MNT && umount LOWER} races with it; every millisecond counts on a loaded machine.
   */
  public void haltOnUnmount() {
    haltOnUnmount = true;
    Thread watch = new Thread(this::watchForUnmount, "lamina-unmount-watch");
    watch.setDaemon(true);
    watch.start();
  }

  /**
   * For a daemon that serves many mounts: once the kernel drops this one (seen by the inotify watch, or by the
   * loop ending), closes its union and then runs {@code after}; the process goes on serving its other mounts.
   */
  public void closeOnUnmount(Runnable after) {
    onUnmount = after;
    Session s = session;
    if (s != null) {
      // the daemon's later mounts of the same layers read each directory once for all (while this one stands)
      union.shareListingsWhile(this::connected);
    }
    if (passedFrom != null) {
      // not ours to watch: the path would be another file here; the loop's end (ENODEV) tells
      if (!loop.isAlive()) {
        finishShared();
      }
      return;
    }
    Thread watch = new Thread(this::watchForUnmount, "lamina-unmount-watch");
    watch.setDaemon(true);
    watch.start();
    if (!loop.isAlive()) {
      finishShared();
    }
  }

  /** The union closed and {@link #onUnmount} run, once. */
  private void finishShared() {
    if (closed || !finished.compareAndSet(false, true)) {
      return; // close() is under way (it closes the union, then runs onUnmount), or this ran already
    }
    closed = true;
    closeUnion();
    onUnmount.run();
  }

  /** Logs the session's summary, releases the handles still open and closes the union; a failure is logged. */
  private void closeUnion() {
    try {
      if (session != null) {
        session.logSummary();
      }
      releaseAll();
      union.close();
    } catch (Throwable t) {
      LOG.warn("closing the union of {} failed: {}", mountPoint, t.toString());
    }
  }

  /** Requests of every kind served so far (0 with {@code fuse_api=libfuse}). */
  public long requestsServed() {
    return session == null ? 0 : session.totalServed();
  }

  /**
   * libfuse notices an unmount only when a worker's read fails, and then cancels and joins its workers
   * before fuse_main returns: on a busy machine that takes tens of milliseconds, while whoever unmounted
   * may already be unmounting a layer. inotify's IN_UNMOUNT is queued during umount(2) itself, so this
   * thread (real-time scheduled when allowed, asleep otherwise) can release the layers first.
   */
  private void watchForUnmount() {
    try {
      UnmountWatch watch = new UnmountWatch();
      if (!watch.raiseCurrentThreadPriority()) {
        LOG.debug("unmount watch runs at normal priority (no CAP_SYS_NICE)");
      }
      watch.await(mountPoint);
      // The device of the mount point changes back to the covered filesystem's once unmounted.
      if (!liveDev.equals(Files.getAttribute(mountPoint, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
        LOG.debug("{} was unmounted", mountPoint);
        if (onUnmount != null) {
          finishShared();
        } else {
          exitNow();
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("unmount watch on {} stopped: {}", mountPoint, e.toString());
    }
  }

  private synchronized void exitNow() {
    closeUnion();
    System.err.flush();
    Runtime.getRuntime().halt(0);
  }

  /**
   * Whether the kernel still has this file system: its FUSE connection stands. False once the kernel dropped it,
   * which umount(2) does before it returns (before the session's threads notice) unless something still holds it:
   * a copy of the mount in another mount namespace, or a lazy unmount waiting for its last user. False with
   * {@code fuse_api=libfuse}.
   */
  public boolean connected() {
    Session s = session;
    return s != null && s.connected();
  }

  /** Worker threads of the kernel session so far (0 with {@code fuse_api=libfuse}). */
  public int workerThreads() {
    return session == null ? 0 : session.workers();
  }

  /**
   * Nodes the kernel holds now (inodes it looked up and has not forgotten), 0 with {@code fuse_api=libfuse}:
   * falls when the kernel evicts inodes (FORGET), so a long run's node table stays as large as the kernel's cache.
   */
  public int nodes() {
    Session s = session;
    return s == null ? 0 : s.nodes();
  }

  /** Requests of one opcode ("WRITE") the kernel session served so far (0 with {@code fuse_api=libfuse}). */
  public long served(String opcode) {
    return session == null ? 0 : session.served(opcode);
  }

  /** Whether the kernel reads and writes upper files itself (FUSE passthrough). */
  public boolean passthrough() {
    return session != null && session.passthrough();
  }

  /** Whether libfuse's loop still runs. */
  public boolean isAlive() {
    return loop.isAlive();
  }

  /** Unmounts (if still mounted), waits for the loop to end, then closes the union. Idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (loop.isAlive() && passedFrom != null) {
        // another namespace's mount, which we cannot unmount: it ends when its owner unmounts it, or answers
        // ENOTCONN once this process (the last holder of its descriptor) is gone
        LOG.info("{} stays mounted in its namespace until unmounted there", passedFrom);
      } else if (loop.isAlive()) {
        Unmount.unmount(mountPoint, Duration.ofSeconds(10));
        loop.join(TimeUnit.SECONDS.toMillis(10));
        if (loop.isAlive()) {
          LOG.warn("libfuse loop for {} still running 10 s after unmount", mountPoint);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      releaseAll();
      union.close();
      LOG.debug("closed the union of {}", mountPoint);
      if (onUnmount != null && finished.compareAndSet(false, true)) {
        onUnmount.run();
      }
    }
  }

  private void start(List<String> argv) {
    this.argv = List.copyOf(argv);
    loop.start();
  }

  private void releaseAll() {
    if (fuse != null) {
      fuse.releaseAll();
    }
    if (session != null) {
      session.releaseAll();
    }
  }

  private void disown() {
    if (fuse != null) {
      fuse.disownShutdownHook();
    }
  }

  private void runLoop() {
    try {
      if (session != null) {
        session.serve();
      } else {
        // jnr-fuse prepends argv[0] and "-f" (foreground); without "-s" libfuse runs multithreaded.
        fuse.mount(mountPoint, true, false, argv.toArray(String[]::new));
      }
      LOG.debug("FUSE loop for {} ended", mountPoint);
      if (haltOnUnmount) {
        exitNow();
      }
      if (onUnmount != null) {
        finishShared();
      }
      result.set(0);
    } catch (Throwable t) {
      // jnr-fuse turns a non-zero fuse_main result into a FuseException.
      result.set(t);
      LOG.debug("libfuse loop ended with an error", t);
    } finally {
      disown();
    }
  }

  private String describeResult() {
    Object r = result.get();
    if (r instanceof Throwable t) {
      return t.getMessage();
    }
    return "libfuse exited with " + r;
  }

  /** Stats the mount point through the kernel and checks mountinfo, until both agree or time runs out. */
  private void probe(long deadline) throws IOException, InterruptedException {
    while (true) {
      liveDev = Files.getAttribute(mountPoint, "unix:dev", LinkOption.NOFOLLOW_LINKS);
      if (MountTable.find(mountPoint).map(e -> e.fstype().equals(fstype)).orElse(false)) {
        return;
      }
      if (!loop.isAlive()) {
        throw new IOException("mounting " + mountPoint + " failed (" + describeResult() + ")");
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(mountPoint + " was not listed in /proc/self/mountinfo as " + fstype);
      }
      Thread.sleep(5);
    }
  }

  /** Whether we run with uid 0 (/proc/self belongs to the effective uid). */
  static boolean isRoot() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
