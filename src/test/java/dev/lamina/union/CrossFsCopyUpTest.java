package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copy-up from a lower layer on another file system than the upper one (an image store on one disk, containers'
 * upper dirs on another): copy_file_range refuses (EXDEV) and the data goes through sendfile, in the kernel, as
 * kernel overlayfs and fuse-overlayfs copy it; holes stay holes, and the refusal is asked once per source device.
 * The lower layer is made in /dev/shm (tmpfs) when that is another file system than the test's temp dir.
 */
class CrossFsCopyUpTest {
  @TempDir Path tmp;
  private Path shm;
  private OverlayFs u;

  @AfterEach
  void tearDown() throws Exception {
    if (u != null) {
      u.close();
    }
    if (shm != null) {
      try (var s = Files.walk(shm)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void dataCopiedFromAnotherFileSystem_isTheLowerData_withItsHoles() throws Exception {
    HostFs host = HostFs.get();
    Path devShm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(devShm) && Files.isWritable(devShm), "needs a writable /dev/shm");
    shm = Files.createTempDirectory(devShm, "lamina-crossfs-");
    Fixture fx = new Fixture(tmp, 1);
    Stat shmDev = host.lstat(AT_FDCWD, shm.toString());
    Stat tmpDev = host.lstat(AT_FDCWD, tmp.toString());
    assumeTrue(shmDev.dev() != tmpDev.dev(), "/dev/shm and the temp dir are one file system here");
    fx.lowers[0] = shm;

    byte[] region = new byte[1 << 20];
    for (int i = 0; i < region.length; i++) {
      region[i] = (byte) (i * 7 + 3);
    }
    for (String name : new String[] {"a.bin", "b.bin"}) {
      int fd = host.openat(AT_FDCWD, shm.resolve(name).toString(), O_WRONLY | O_CREAT, 0644);
      host.pwrite(fd, ByteBuffer.wrap(region), 0);
      host.pwrite(fd, ByteBuffer.wrap(region), 8L << 20); // a 7 MiB hole before it
      host.pwrite(fd, ByteBuffer.wrap(new byte[] {1, 2, 3}), 64L << 20);
      host.close(fd);
    }

    CountingHostFs counting = new CountingHostFs(host);
    u = new OverlayFs(counting.fs(), fx.config().build());
    u.chmod("/a.bin", 0600); // a full copy-up (metacopy is off)
    u.chmod("/b.bin", 0600);

    for (String name : new String[] {"a.bin", "b.bin"}) {
      Path up = fx.upper.resolve(name);
      assertThat(Files.size(up)).isEqualTo((64L << 20) + 3);
      assertThat(Arrays.equals(Files.readAllBytes(up), Files.readAllBytes(shm.resolve(name)))).isTrue();
      Stat st = host.lstat(AT_FDCWD, up.toString());
      assertThat(st.blocks() * 512).as("holes kept").isLessThan(8L << 20);
    }
    if (counting.of("sendfile") == 0) {
      // a kernel whose copy_file_range copies between any two file systems itself (5.3 to 5.18)
      assertThat(counting.of("copyFileRange")).isGreaterThan(1);
    } else {
      assertThat(counting.of("copyFileRange")).as("EXDEV asked once for the device").isEqualTo(1);
    }
  }
}
