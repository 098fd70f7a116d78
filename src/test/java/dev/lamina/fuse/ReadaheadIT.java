package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * As root, a mount's readahead window is raised to 1 MiB (its backing device's read_ahead_kb), so a
 * sequential read of a file lamina serves arrives in 1 MiB READs instead of the default 128 KiB ones.
 */
class ReadaheadIT {
  @RegisterExtension final FuseFixture fx = new FuseFixture();

  @Test
  void sequentialReadsOfALowerFileComeInOneMibRequests() throws Exception {
    assumeTrue(FuseMount.isRoot(), "the readahead knob in sysfs needs root");
    byte[] data = new byte[16 << 20];
    new Random(7).nextBytes(data);
    Files.write(fx.lower().resolve("seq.bin"), data);
    FuseMount m = fx.mountOverlay(false);
    long dev = (Long) Files.getAttribute(fx.mnt(), "unix:dev", LinkOption.NOFOLLOW_LINKS);
    assertThat(Files.readString(Readahead.knob(dev)).trim()).isEqualTo("1024");
    assertThat(Files.readAllBytes(fx.mnt().resolve("seq.bin"))).isEqualTo(data);
    // 16 MiB: 16 READs at 1 MiB (a few more while the window ramps up); 128 at the default 128 KiB
    assertThat(m.served("READ")).isBetween(16L, 40L);
  }

  @Test
  void readaheadKbZeroLeavesTheKernelDefault() throws Exception {
    assumeTrue(FuseMount.isRoot(), "the readahead knob in sysfs needs root");
    FuseMount m = fx.mount("lowerdir=lower,upperdir=upper,workdir=work,readahead_kb=0", o -> {
      try {
        return Unions.open(o);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    long dev = (Long) Files.getAttribute(fx.mnt(), "unix:dev", LinkOption.NOFOLLOW_LINKS);
    assertThat(Files.readString(Readahead.knob(dev)).trim()).isEqualTo("128");
    assertThat(m.isAlive()).isTrue();
  }
}
