package dev.lamina.sys;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spliced reply is the header followed by exactly the asked bytes of the file, whatever their alignment;
 * a file shorter than asked sends nothing. The destination here is a regular file instead of /dev/fuse.
 */
class SpliceTest {
  private final HostFs fs = HostFs.get();
  @TempDir Path dir;

  @Test
  void sendsTheHeaderThenTheFileRange_andFitsCountsPages() throws Exception {
    byte[] data = new byte[300_000];
    new Random(3).nextBytes(data);
    Path src = Files.write(dir.resolve("src"), data);
    Path out = dir.resolve("out");
    int in = fs.openat(AT_FDCWD, src.toString(), O_RDONLY, 0);
    int dst = fs.openat(AT_FDCWD, out.toString(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    try (Splice pipe = Splice.open(1 << 20)) {
      assertThat(pipe).isNotNull();
      int cap = pipe.capacity(); // 1 MiB where pipe-max-size allows it (the default)
      assertThat(pipe.fits(0, cap)).isFalse(); // every data page + the header page
      assertThat(pipe.fits(0, cap - 4096)).isTrue();
      assertThat(pipe.fits(100, cap - 4096)).isFalse(); // unaligned: one page more
      ByteBuffer header = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
      header.putInt(0, 16 + 70_000).putInt(4, 0).putLong(8, 42);
      assertThat(pipe.send(dst, header, 16, in, 12_345, 70_000)).isZero();
      header.putInt(0, 16 + 50_000);
      assertThat(pipe.send(dst, header, 16, in, 290_000, 50_000)).isNegative(); // only 10,000 bytes left
      assertThat(pipe.send(dst, header, 16, in, 0, 50_000)).isZero(); // and the pipe was emptied
    } finally {
      fs.close(in);
      fs.close(dst);
    }
    byte[] got = Files.readAllBytes(out);
    ByteBuffer h = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(h.getInt(0)).isEqualTo(16 + 70_000);
    assertThat(h.getLong(8)).isEqualTo(42);
    assertThat(Arrays.copyOfRange(got, 16, 16 + 70_000)).isEqualTo(Arrays.copyOfRange(data, 12_345, 82_345));
    assertThat(got.length).isEqualTo(16 + 70_000 + 16 + 50_000);
    assertThat(Arrays.copyOfRange(got, 16 + 70_000 + 16, got.length)).isEqualTo(Arrays.copyOfRange(data, 0, 50_000));
  }
}
