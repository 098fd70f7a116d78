package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import dev.lamina.testing.Exec;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * FUSE passthrough (Linux 6.9+, as root): upper files' reads and writes go from the kernel straight to the
 * backing file, so none reaches lamina; lower files stay served by lamina (a read-only fd must follow a
 * copy-up), and switching a file between the two modes never shows stale data. The tests skip themselves
 * where the kernel has no passthrough or the process is not privileged enough to use it.
 */
class PassthroughIT {
  @RegisterExtension final FuseFixture fx = new FuseFixture();

  private FuseMount mountWithPassthrough() throws Exception {
    FuseMount m = fx.mountOverlay(false);
    assumeTrue(m.passthrough(), "FUSE passthrough not available (needs Linux 6.9+ and CAP_SYS_ADMIN)");
    return m;
  }

  @Test
  void upperFileIoNeverReachesLamina() throws Exception {
    FuseMount m = mountWithPassthrough();
    byte[] data = new byte[4 << 20];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    Path f = fx.mnt().resolve("new.bin");
    Files.write(f, data);
    assertThat(Files.readAllBytes(f)).isEqualTo(data);
    // a random-access rewrite in the middle, through a second open of the same inode
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("patched".getBytes(StandardCharsets.US_ASCII)), 1 << 20);
    }
    System.arraycopy("patched".getBytes(StandardCharsets.US_ASCII), 0, data, 1 << 20, 7);
    assertThat(Files.readAllBytes(f)).isEqualTo(data);
    assertThat(Files.readAllBytes(fx.upper().resolve("new.bin"))).isEqualTo(data);
    assertThat(Files.size(f)).isEqualTo(data.length);
    assertThat(m.served("WRITE")).isZero();
    assertThat(m.served("READ")).isZero();
  }

  @Test
  void lowerFilesAreServedAndAReadFdFollowsCopyUp() throws Exception {
    Files.writeString(fx.lower().resolve("l.txt"), "lower data\n");
    FuseMount m = mountWithPassthrough();
    Path f = fx.mnt().resolve("l.txt");
    try (RandomAccessFile ro = new RandomAccessFile(f.toFile(), "r")) {
      assertThat(ro.readLine()).isEqualTo("lower data");
      long readsBefore = m.served("READ");
      assertThat(readsBefore).isPositive();
      // opened for writing while a cached read fd is open: copied up, and served (not passthrough)
      try (RandomAccessFile rw = new RandomAccessFile(f.toFile(), "rw")) {
        rw.seek(0);
        rw.write("UPPER".getBytes(StandardCharsets.US_ASCII));
      }
      assertThat(m.served("WRITE")).isPositive();
      ro.seek(0);
      assertThat(ro.readLine()).isEqualTo("UPPER data");
    }
    assertThat(Files.readString(fx.upper().resolve("l.txt"))).isEqualTo("UPPER data\n");
    assertThat(Files.readString(fx.lower().resolve("l.txt"))).isEqualTo("lower data\n");
  }

  @Test
  void aHardLinkMadeAfterPassthroughWritesReadsTheCurrentData() throws Exception {
    Files.writeString(fx.lower().resolve("h.txt"), "old old old\n");
    FuseMount m = mountWithPassthrough();
    Path f = fx.mnt().resolve("h.txt");
    // cached period: the lower file read (its pages cached), then copied up through a second fd
    long released = m.served("RELEASE");
    try (RandomAccessFile ro = new RandomAccessFile(f.toFile(), "r");
        RandomAccessFile rw = new RandomAccessFile(f.toFile(), "rw")) {
      assertThat(ro.readLine()).isEqualTo("old old old");
      rw.seek(0);
      rw.write("one".getBytes(StandardCharsets.US_ASCII));
    }
    long writes = m.served("WRITE");
    // all closed: the next open of the (now upper) file is passthrough, once lamina has had both RELEASEs (the
    // kernel sends them after close(2) has returned, so an open right after can come first; bound, not a timing)
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (m.served("RELEASE") < released + 2 && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    try (RandomAccessFile rw = new RandomAccessFile(f.toFile(), "rw")) {
      rw.seek(4);
      rw.write("two".getBytes(StandardCharsets.US_ASCII));
    }
    assertThat(m.served("WRITE")).isEqualTo(writes);
    // two names: opens are cached again, and must not keep pages from before the passthrough write
    Files.createLink(fx.mnt().resolve("h2.txt"), f);
    assertThat(Files.readString(f)).isEqualTo("one two old\n");
    assertThat(Files.readString(fx.mnt().resolve("h2.txt"))).isEqualTo("one two old\n");
    byte[] viaUpper = Files.readAllBytes(fx.upper().resolve("h.txt"));
    assertThat(new String(viaUpper, StandardCharsets.US_ASCII)).isEqualTo("one two old\n");
    assertThat(Arrays.equals(viaUpper, Files.readAllBytes(fx.mnt().resolve("h2.txt")))).isTrue();
  }

  /**
   * A write through a shared mapping of a passthrough file changes the upper file in the kernel with no request
   * to lamina; a stat after close() must still show the new mtime, although the kernel cached the attributes
   * of a stat just before (xfstests generic/080). stat(1) asks only for what it prints, so the kernel answers
   * it from its cache (Java's stat asks for the birth time too, which FUSE never caches). And closing a file
   * opened for writing costs no FLUSH round trip.
   */
  @Test
  void aWriteThroughASharedMappingShowsInStatAfterClose() throws Exception {
    FuseMount m = mountWithPassthrough();
    Path f = fx.mnt().resolve("mapped.bin");
    Path upper = fx.upper().resolve("mapped.bin");
    Files.write(f, new byte[8192]);
    long flushes = m.served("FLUSH");
    String before = mtime(f); // now cached by the kernel for attr_timeout
    Thread.sleep(20); // past the clock's granularity, so that the write's mtime differs from before's
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 8192);
      map.put(4096, (byte) 42);
      unmap(map);
    }
    String after = mtime(f);
    assertThat(after).isNotEqualTo(before).isEqualTo(mtime(upper));
    assertThat(Files.readAllBytes(f)[4096]).isEqualTo((byte) 42);
    // the same while the mapping outlives the close (the kernel sends RELEASE only once it is unmapped)
    String cached = mtime(f);
    Thread.sleep(20);
    MappedByteBuffer kept;
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      kept = ch.map(FileChannel.MapMode.READ_WRITE, 0, 8192);
    }
    kept.put(100, (byte) 7);
    assertThat(mtime(f)).isNotEqualTo(cached).isEqualTo(mtime(upper));
    unmap(kept);
    assertThat(mtime(f)).isEqualTo(mtime(upper));
    assertThat(m.served("FLUSH")).isEqualTo(flushes);
  }

  private static String mtime(Path p) throws Exception {
    return Exec.output(null, Duration.ofMinutes(1), List.of("stat", "-c", "%y", p.toString())).trim();
  }

  /** Unmaps now rather than when the buffer is collected (sun.misc.Unsafe, jdk.unsupported). */
  private static void unmap(MappedByteBuffer map) throws ReflectiveOperationException {
    Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
    f.setAccessible(true);
    Object unsafe = f.get(null);
    unsafe.getClass().getMethod("invokeCleaner", ByteBuffer.class).invoke(unsafe, map);
  }
}
