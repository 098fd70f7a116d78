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
 * As root, a mount's readahead window is raised to 1020 KiB (its backing device's read_ahead_kb), so a
 * sequential read of a file lamina serves arrives in READs of about 1 MiB instead of the default 128 KiB
 * ones, whose replies are spliced from the lower file.
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
    assumeTrue(Files.isWritable(Readahead.knob(dev)), "sysfs is read-only here (a container)");
    assertThat(Files.readString(Readahead.knob(dev)).trim()).isEqualTo("1020");
    // the replies of these reads are spliced from the lower file's page cache (FileOps.splicedReply)
    assertThat(Files.readAllBytes(fx.mnt().resolve("seq.bin"))).isEqualTo(data);
    // 16 MiB: about 17 READs of up to 1020 KiB (a few more while the window ramps up); 128 at 128 KiB
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
    assertThat(Files.readString(Readahead.knob(dev)).trim()).isEqualTo("128"); // the kernel's, untouched
    assertThat(m.isAlive()).isTrue();
  }
}
