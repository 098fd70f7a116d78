package dev.lamina.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's readahead window for a FUSE mount. A FUSE superblock gets its own backing device with the
 * default 128 KiB window (INIT can only lower it), so a sequential read of a file lamina serves arrives as
 * 128 KiB READs; with the window at 1020 KiB (1 MiB, the largest read lamina accepts, less the page a spliced
 * reply's header takes in a 1 MiB pipe) the same read takes an eighth of the requests (a 512 MiB file: about
 * 514 instead of 4,096, about 40% less time). The window is the backing
 * device's {@code /sys/class/bdi/MAJOR:MINOR/read_ahead_kb}, which only root may write; otherwise the
 * default stays and nothing else changes.
 */
final class Readahead {
  private static final Logger LOG = LoggerFactory.getLogger(Readahead.class);

  private Readahead() {}

  /** The sysfs knob of the backing device whose st_dev is {@code dev} (glibc's major/minor split). */
  static Path knob(long dev) {
    long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    return Path.of("/sys/class/bdi/" + major + ":" + minor + "/read_ahead_kb");
  }

  /** Sets the window of the mount whose root has st_dev {@code dev} to {@code kib} KiB, if allowed. */
  static void set(long dev, int kib, Path mountPoint) {
    Path knob = knob(dev);
    try {
      Files.writeString(knob, Integer.toString(kib));
      LOG.debug("readahead of {} set to {} KiB ({})", mountPoint, kib, knob);
    } catch (IOException | SecurityException e) {
      LOG.debug("readahead of {} left at the kernel's default: cannot write {} ({})", mountPoint, knob, e.toString());
    }
  }
}
