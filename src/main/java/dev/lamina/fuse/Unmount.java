package dev.lamina.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unmounts a FUSE mount the way a user would: {@code fusermount3 -u} (works with and without root), then
 * a lazy {@code -z} unmount if the mount is busy.
 */
public final class Unmount {
  private static final Logger LOG = LoggerFactory.getLogger(Unmount.class);

  private Unmount() {}

  /** Returns true when the mount point is no longer a mount afterwards. */
  public static boolean unmount(Path mountPoint, Duration timeout) {
    String mnt = mountPoint.toAbsolutePath().toString();
    for (List<String> cmd :
        List.of(List.of("fusermount3", "-u", "--", mnt), List.of("fusermount3", "-u", "-z", "--", mnt))) {
      if (run(cmd, timeout) == 0) {
        return true;
      }
    }
    return false;
  }

  /** Runs a command with output to our stderr; returns its exit code, or -1 if it could not run in time. */
  static int run(List<String> cmd, Duration timeout) {
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        LOG.warn("{} did not finish within {}", cmd, timeout);
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      LOG.warn("cannot run {}: {}", cmd, e.getMessage());
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
