package dev.lamina.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Serializes, across every lamina test run on the machine, the test classes that change host state as root:
 * they create the shared test accounts (lamina-run-it, lamina-engines, ...), set /dev/fuse to 0666 and restore
 * it, or edit /etc/fuse.conf. Two runs at once (a busy CI host, a developer running the suite twice) would
 * otherwise restore /dev/fuse under each other's unprivileged mounts, race on useradd, and see each other's
 * processes of the same account as leftovers. A class marked {@code @ExtendWith(HostStateLock.class)} holds an
 * exclusive lock on {@value #LOCK_FILE} from before its {@code @BeforeAll} to after its {@code @AfterAll}; a
 * second run waits for it and says so on the console. The lock is an fcntl lock: the kernel drops it when the
 * holding JVM dies, so a killed run never blocks the next one.
 *
 * <p>Within one JVM the lock is counted (a class may nest a helper that takes it too). Without root the
 * extension does nothing: those tests skip, and an ordinary user cannot change host state anyway.
 */
public final class HostStateLock implements BeforeAllCallback, AfterAllCallback {

  static final String LOCK_FILE = "/run/lamina-tests.lock";
  /** The lock file: {@value #LOCK_FILE}, or -Dlamina.tests.hostlock=FILE (HostStateLockTest's private one). */
  private static final String FILE = System.getProperty("lamina.tests.hostlock", LOCK_FILE);
  private static int depth;
  private static FileChannel channel;
  private static FileLock lock;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    acquire(context.getDisplayName());
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    release();
  }

  /** Takes the machine-wide lock for {@code who} (waits for another run that holds it). */
  public static synchronized void acquire(String who) throws IOException {
    if (!"root".equals(System.getProperty("user.name"))) {
      return;
    }
    if (depth++ > 0) {
      return;
    }
    Path file = Path.of(FILE);
    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l = channel.tryLock();
    if (l == null) {
      System.out.println("[host-state] " + who + " waits for another lamina test run that is changing host state"
          + " (test users, /dev/fuse mode, /etc/fuse.conf): lock " + file + holder(file));
      l = channel.lock();
      System.out.println("[host-state] " + who + " goes on");
    }
    lock = l;
  }

  /** Gives the lock back when the outermost holder in this JVM is done. */
  public static synchronized void release() throws IOException {
    if (depth == 0 || --depth > 0) {
      return;
    }
    try {
      lock.release();
    } finally {
      channel.close();
      lock = null;
      channel = null;
    }
  }

  /** Takes the lock, prints "acquired", holds it until stdin closes: a second run, for {@code HostStateLockTest}. */
  public static void main(String[] args) throws IOException {
    acquire("child");
    System.out.println("acquired");
    System.out.flush();
    System.in.readAllBytes();
    release();
  }

  /** ", held by PID" from /proc/locks when it can be told, else "". */
  private static String holder(Path file) {
    try {
      long ino = (Long) Files.getAttribute(file, "unix:ino");
      for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
        String[] f = line.trim().split("\\s+");
        // 1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF
        if (f.length >= 6 && f[5].endsWith(":" + ino)) {
          return ", held by pid " + f[4];
        }
      }
    } catch (IOException | RuntimeException e) {
      // only a nicer message
    }
    return "";
  }
}
