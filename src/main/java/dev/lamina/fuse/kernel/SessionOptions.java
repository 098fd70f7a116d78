package dev.lamina.fuse.kernel;

import dev.lamina.fuse.kernel.Reply.Timeout;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How a kernel-protocol session serves a mount, from the libfuse-style {@code -o} options: which of them
 * go to libfuse's mount (kernel mount options, fusermount's), and which tune the session itself. Options of
 * libfuse 2's path API that have no meaning here ({@code use_ino}, {@code hard_remove}, ...) are accepted and
 * ignored, since this session always behaves as they ask.
 *
 * @param entry how long the kernel may cache a name's lookup
 * @param attr how long it may cache attributes
 * @param negative how long it may cache a name's absence (0: not at all)
 * @param threads the most worker threads reading requests (1 for {@code single_thread})
 * @param directIo bypass the page cache for file data ({@code direct_io})
 * @param debug log every request
 * @param readdirPlus "always" (every listing carries attributes), "auto" (the kernel decides) or "never"
 * @param minThreads workers started at once (more start when all are busy, up to {@code threads})
 * @param passthrough hand upper files' I/O to the kernel where it can ({@code passthrough=auto}, the
 *     default) or never ({@code passthrough=never})
 * @param readaheadKib the kernel's readahead window for the mount, in KiB ({@code readahead_kb=}, default
 *     1020: the largest READ whose spliced reply fits a 1 MiB pipe; 0 leaves the kernel's 128), set where
 *     allowed (root)
 */
public record SessionOptions(
    Timeout entry, Timeout attr, Timeout negative, int threads, boolean directIo, boolean debug,
    String readdirPlus, int minThreads, boolean passthrough, int readaheadKib) {

  /** Options libfuse's fuse_mount (and fusermount) understand. */
  private static final Set<String> MOUNT_FLAGS =
      Set.of(
          "allow_other", "allow_root", "auto_unmount", "nonempty", "default_permissions", "blkdev",
          "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "sync", "async", "dirsync",
          "atime", "noatime");

  private static final Set<String> MOUNT_KEYS =
      Set.of(
          "fsname", "subtype", "blksize", "max_read", "context", "fscontext", "defcontext",
          "rootcontext");

  /** Most workers a session starts (libfuse 3's default max_threads is 10). */
  public static final int DEFAULT_THREADS = 16;

  /** The options (libfuse syntax, defaults first, later ones win) that libfuse's mount should see. */
  public static List<String> mountOptions(List<String> options) {
    List<String> out = new ArrayList<>();
    for (String o : options) {
      int eq = o.indexOf('=');
      String key = eq < 0 ? o : o.substring(0, eq);
      if (eq < 0 ? MOUNT_FLAGS.contains(o) : MOUNT_KEYS.contains(key)) {
        out.add(o);
      }
    }
    return out;
  }

  /** The session's settings from the same option list. */
  public static SessionOptions parse(List<String> options, boolean debug) {
    double entry = 1;
    double attr = 1;
    double negative = 1;
    int threads = DEFAULT_THREADS;
    int minThreads = 2;
    boolean directIo = false;
    // Always: a listing is nearly always followed by a stat of its names (ls -l, find, tar, du, dpkg), and
    // the kernel's "auto" sends plain READDIR for all but the first chunk of a directory, then one LOOKUP per
    // name: a find over a 10,000-file tree took 0.85-0.95 s with auto and 0.32-0.38 s with always. A listing
    // of names alone pays one getattr per entry (10,000 names: 0.33 s cold against 0.10 s).
    String plus = "always";
    boolean passthrough = true;
    // 1 MiB less a page: READs then fit, with their reply header, the 1 MiB pipe a spliced reply goes through
    // (pipe-max-size; larger pipes need CAP_SYS_RESOURCE)
    int readahead = Protocol.MAX_IO / 1024 - 4;
    for (String o : options) {
      int eq = o.indexOf('=');
      String key = eq < 0 ? o : o.substring(0, eq);
      String value = eq < 0 ? "" : o.substring(eq + 1);
      switch (key) {
        case "entry_timeout" -> entry = seconds(key, value);
        case "attr_timeout" -> attr = seconds(key, value);
        case "negative_timeout" -> negative = seconds(key, value);
        case "single_thread" -> threads = 1;
        case "max_threads" -> threads = Math.max(1, Integer.parseInt(value));
        case "min_threads" -> minThreads = Math.max(1, Integer.parseInt(value));
        case "direct_io" -> directIo = true;
        case "debug" -> debug = true;
        case "readdirplus" -> {
          if (!value.equals("auto") && !value.equals("always") && !value.equals("never")) {
            throw new IllegalArgumentException("readdirplus=" + value + ": expected auto, always or never");
          }
          plus = value;
        }
        case "readahead_kb" -> {
          try {
            readahead = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            readahead = -1;
          }
          if (readahead < 0) {
            throw new IllegalArgumentException("readahead_kb=" + value + ": expected a size in KiB >= 0");
          }
        }
        case "passthrough" -> {
          if (!value.equals("auto") && !value.equals("never")) {
            throw new IllegalArgumentException("passthrough=" + value + ": expected auto or never");
          }
          passthrough = value.equals("auto");
        }
        default -> {}
      }
    }
    return new SessionOptions(
        Timeout.ofSeconds(entry), Timeout.ofSeconds(attr), Timeout.ofSeconds(negative), threads,
        directIo, debug, plus, Math.min(minThreads, threads), passthrough, readahead);
  }

  private static double seconds(String key, String value) {
    try {
      double s = Double.parseDouble(value);
      if (s < 0 || Double.isNaN(s)) {
        throw new NumberFormatException();
      }
      return s;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + value + ": expected a number of seconds >= 0");
    }
  }
}
