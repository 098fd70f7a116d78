package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a mount holds is released: the node table gives a node up once the kernel forgets its inode
 * (FORGET/BATCH_FORGET with the kernel's lookup count), and a session leaves no descriptor behind once
 * unmounted (its workers' splice pipes, the thread that starts workers), which a shared daemon serving mount after
 * mount would pile up.
 */
@Timeout(300)
class NodeReleaseIT {
  private static final int DIRS = 20;
  private static final int PER_DIR = 100;
  private static final int FILES = DIRS * PER_DIR;

  @RegisterExtension final FuseFixture fx = new FuseFixture();

  /**
   * A shared daemon lets a new mount join the lower-layer listings of mounts that are live, and asks their
   * connections: an unmounted one must say so as soon as the unmount returned, not once the session's threads saw
   * it, or a layer changed right after the unmount would be shown as it was to the next mount.
   */
  @Test
  void aMountIsSeenGoneAsSoonAsItsUnmountReturns() throws Exception {
    FuseMount m = fx.mountOverlay(false);
    assumeTrue(m.workerThreads() > 0, "needs the kernel-protocol session (fuse_api=libfuse has no connection to ask)");
    assertThat(m.connected()).isTrue();
    long dev = (Long) Files.getAttribute(fx.mnt(), "unix:dev");
    String majorMinor = (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL)) + ":" + ((dev & 0xff) | ((dev >>> 12) & ~0xffL));
    Unmount.unmount(fx.mnt(), java.time.Duration.ofSeconds(30));
    if (!m.connected()) {
      return; // the usual case: umount(2) aborted the connection before it returned
    }
    // The file system outlives the unmount while something still holds it: a copy of the mount in a namespace
    // another process made meanwhile (a container, unshare -m), or a path lookup of another process that made
    // fusermount3's umount busy, so that it fell back to a lazy one. The connection is then rightly still up; it
    // must go down once nothing holds the file system any more. (The deadline only bounds how long a failure
    // takes to show.)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (m.connected() && System.nanoTime() < deadline) {
      if (mountedInAnyNamespace(majorMinor)) {
        System.err.println("the file system (" + majorMinor + ") is still mounted in another mount namespace");
        return;
      }
      Thread.sleep(10);
    }
    assertThat(m.connected()).as("connection of a mount whose unmount returned (%s), 30 s later", majorMinor)
        .isFalse();
  }

  /**
   * Native buffers (malloc'ed, unseen by the JVM's memory tracking) are the workers' own and nothing else: a
   * writable passthrough open's FLUSH asks the kernel to drop the node's attributes, and that notification's buffer
   * was never freed until 2026-12-06 (scripts/bench-soak: the daemon's RSS grew some 45 bytes per such close, 24%
   * over four passes of 584,000 files).
   */
  @Test
  void closesOfWritableFilesLeaveNoNativeMemoryBehind() throws Exception {
    FuseMount m = fx.mountOverlay(false);
    assumeTrue(m.workerThreads() > 0, "needs the kernel-protocol session (fuse_api=libfuse has none)");
    Path f = fx.mnt().resolve("rewritten");
    Files.writeString(f, "0");
    int workers = m.workerThreads();
    long live = dev.lamina.sys.NativeBuffers.live();
    for (int i = 1; i <= 500; i++) {
      Files.writeString(f, Integer.toString(i)); // open O_WRONLY|O_CREAT|O_TRUNC, WRITE, FLUSH, RELEASE
    }
    assertThat(Files.readString(f)).isEqualTo("500");
    // A leak keeps one buffer per close (500). Without one, what can differ is the buffers of workers started
    // meanwhile (a request and a reply buffer each, allocated a moment before the session counts the worker) and
    // of requests in flight on this JVM's other threads: a few, whatever the timing.
    assertThat(dev.lamina.sys.NativeBuffers.live() - live)
        .as("native buffers alive after 500 closes of a file opened for writing (workers %d, then %d)", workers,
            m.workerThreads())
        .isLessThan(50L + 2L * Math.max(0, m.workerThreads() - workers));
  }

  /** Whether any process's mount namespace lists a mount of the file system with device major:minor. */
  private static boolean mountedInAnyNamespace(String majorMinor) throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs.filter(d -> d.getFileName().toString().matches("\\d+"))::iterator) {
        List<String> lines;
        try {
          lines = Files.readAllLines(p.resolve("mountinfo"));
        } catch (IOException e) {
          continue; // gone meanwhile
        }
        for (String l : lines) {
          String[] f = l.split(" ");
          if (f.length > 2 && f[2].equals(majorMinor)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  @Test
  void nodesOfWalkedRewrittenAndDeletedFilesAreReleasedWhenTheKernelForgetsThem() throws Exception {
    assumeTrue(FuseMount.isRoot(), "dropping the kernel's inode cache (/proc/sys/vm/drop_caches) needs root");
    for (int d = 0; d < DIRS; d++) {
      Path dir = Files.createDirectory(fx.lower().resolve("d" + d));
      for (int f = 0; f < PER_DIR; f++) {
        Files.writeString(dir.resolve("f" + f), "lower " + d + "/" + f);
      }
    }
    FuseMount m = fx.mountOverlay(false);
    Path mnt = fx.mnt();
    walkUntilHeld(m, mnt);
    for (int d = 0; d < DIRS; d += 2) { // half of them copied up and rewritten
      for (int f = 0; f < PER_DIR; f++) {
        Files.writeString(mnt.resolve("d" + d + "/f" + f), "rewritten");
      }
    }
    for (int i = 0; i < FILES; i++) { // distinct new names, created then removed or renamed over a lower file
      Path p = mnt.resolve("d" + (i % DIRS) + "/new" + i);
      Files.writeString(p, "new " + i);
      if (i % 2 == 0) {
        Files.delete(p);
      } else {
        Files.move(p, mnt.resolve("d" + (i % DIRS) + "/f" + (i % PER_DIR)),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    walkUntilHeld(m, mnt);

    // The kernel evicts its unused dentries and inodes and sends FORGETs; lamina must drop those nodes. The
    // deadline only bounds how long a failure takes to show (the shrinker may need more than one pass).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    int nodes = m.nodes();
    while (nodes > FILES / 20 && System.nanoTime() < deadline) {
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "2\n", StandardCharsets.US_ASCII);
      Thread.sleep(200);
      nodes = m.nodes();
    }
    assertThat(nodes)
        .as("nodes still held after the kernel dropped its inode cache (walked %d files)", FILES)
        .isLessThanOrEqualTo(FILES / 20);
    // and what it released is found again
    assertThat(Files.readString(mnt.resolve("d0/f1"))).isEqualTo("rewritten");
    assertThat(Files.readString(mnt.resolve("d1/f1"))).isEqualTo("new 1901");
    assertThat(Files.readString(mnt.resolve("d1/f3"))).isEqualTo("lower 1/3");
    assertThat(Files.exists(mnt.resolve("d0/new0"))).isFalse();
  }

  @Test
  void unmountedSessionsLeaveNoPipeAndNoThreadBehind() throws Exception {
    byte[] data = new byte[1 << 20];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + (i >> 12));
    }
    Files.write(fx.lower().resolve("big"), data);
    int before = pipes();
    long threadsBefore = sessionThreads();
    for (int round = 0; round < 4; round++) {
      FuseMount m = fx.mountOverlay(false);
      // reads of a lower file of at least 32 KiB are spliced from its page cache through a per-worker pipe
      assertThat(Files.readAllBytes(fx.mnt().resolve("big"))).isEqualTo(data);
      m.close();
    }
    assertThat(pipes())
        .as("pipe descriptors open in this JVM after 4 mounts that spliced reads were unmounted (%d before)", before)
        .isLessThanOrEqualTo(before + 1);
    assertThat(sessionThreads()).as("session threads (lamina-fuse-*) alive after the unmounts").isEqualTo(threadsBefore);
  }

  /**
   * A shared daemon serves many sessions at once: they share the one thread that starts more workers when all of a
   * session's are busy (each session had its own before, parked for the session's life: 50 mounts, 50 threads).
   */
  @Test
  void sessionsShareOneThreadThatStartsWorkers() throws Exception {
    List<FuseMount> mounts = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Path mnt = Files.createDirectories(fx.lower().resolveSibling("shared-" + i));
        MountOptions o = MountOptions.parse(List.of("lowerdir=" + fx.lower()), null, mnt.getParent());
        mounts.add(FuseMount.mount(Unions.open(o), mnt, o, false, java.time.Duration.ofSeconds(30)));
      }
      assumeTrue(mounts.get(0).workerThreads() > 0, "needs the kernel-protocol session");
      for (FuseMount m : mounts) {
        assertThat(Files.exists(m.mountPoint().resolve("nothing-here"))).isFalse(); // each one serves
      }
      assertThat(growThreads()).as("threads that start workers, for %d live sessions", mounts.size())
          .isLessThanOrEqualTo(1);
    } finally {
      for (FuseMount m : mounts) {
        m.close();
      }
    }
  }

  /** Live threads of FUSE sessions: workers and their loops (not the process's one thread that starts workers). */
  private static long sessionThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("lamina-fuse-") && !t.getName().equals("lamina-fuse-grow"))
        .count();
  }

  private static long growThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals("lamina-fuse-grow"))
        .count();
  }

  /**
   * Walks the mount (a lookup and the attributes of every entry) until every walked name is a node, as it is
   * while the kernel caches its inode. Walked again when something else on the machine dropped the kernel's
   * caches meanwhile (xfstests does), which would release them before this test asks.
   */
  private static void walkUntilHeld(FuseMount m, Path mnt) throws IOException {
    for (int attempt = 0; attempt < 5 && m.nodes() < FILES + DIRS; attempt++) {
      try (Stream<Path> s = Files.walk(mnt)) {
        assertThat(s.peek(NodeReleaseIT::attrs).count()).isGreaterThanOrEqualTo(FILES + DIRS + 1);
      }
    }
    assertThat(m.nodes()).as("nodes held after walking %d files", FILES).isGreaterThanOrEqualTo(FILES + DIRS);
  }

  private static BasicFileAttributes attrs(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Descriptors of this process that are pipes. */
  private static int pipes() throws IOException {
    int n = 0;
    String[] fds = new File("/proc/self/fd").list();
    for (String fd : fds == null ? new String[0] : fds) {
      try {
        if (Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString().startsWith("pipe:")) {
          n++;
        }
      } catch (IOException e) {
        // closed meanwhile (the listing's own descriptor)
      }
    }
    return n;
  }
}
