package dev.lamina.fuse;

import java.util.ArrayList;
import java.util.List;

/**
 * The libfuse options lamina mounts with: defaults chosen for overlay semantics and speed, then the
 * user's libfuse options (which libfuse applies last, so they win).
 *
 * <p>Why each default:
 *
 * <ul>
 *   <li>{@code use_ino}: st_ino comes from the core (stable, kept across copy-up), not libfuse's node ids.
 *   <li>{@code hard_remove}: libfuse would otherwise rename an unlinked-but-open file to .fuse_hiddenN.
 *   <li>{@code default_permissions}: the kernel checks modes from getattr, as overlayfs does.
 *   <li>{@code atomic_o_trunc}: open(O_TRUNC) arrives as one open, so copy-up can skip the data.
 *   <li>{@code big_writes,max_write=131072}: 128 KiB writes instead of 4 KiB ones.
 *   <li>Timeouts of 1 s: every change goes through this mount and the kernel updates its caches on each
 *       of them; lower layers must not change while mounted.
 *   <li>{@code allow_other} as root, so a container (chroot, user namespace) can use the mount;
 *       {@code nonempty} because overlayfs mounts over non-empty directories too.
 *   <li>{@code suid} as root (also root in a user namespace), {@code nodev} and {@code noatime}: what
 *       fuse-overlayfs mounts with (its {@code -odefault_permissions,allow_other,suid,noatime} over libfuse's
 *       default {@code nodev}), so setuid programs in a root container work. The user's {@code nosuid},
 *       {@code dev}, {@code atime} ... come after and win. Without root fusermount adds nosuid,nodev anyway.
 *       {@code noatime} on the FUSE mount changes nothing the kernel does for FUSE files (it leaves their atimes
 *       to the server); when reads update atimes is the overlay's {@code relatime}/{@code strictatime}/
 *       {@code noatime}/{@code nodiratime}, which the core honours ({@code union.Atime}, default relatime).
 * </ul>
 */
public final class FuseArgs {
  /** The -o flag that selects libfuse's single-threaded loop (fuse_main's {@code -s}); not passed on in -o. */
  public static final String SINGLE_THREAD = "single_thread";

  /** {@code -o fuse_api=libfuse} serves through jnr-fuse and libfuse 2's path API instead of the kernel session. */
  public static final String LIBFUSE_API = "libfuse";

  /**
   * lamina's own options, not libfuse's (flags and key=value): accepted by {@link MountOptions} with libfuse's,
   * read by the kernel session ({@code SessionOptions}), dropped before libfuse parses the rest.
   */
  static final java.util.Set<String> OWN_FLAGS = java.util.Set.of(SINGLE_THREAD);

  static final java.util.Set<String> OWN_KEYS =
      java.util.Set.of("fuse_api", "max_threads", "min_threads", "passthrough", "readahead_kb", "readdirplus");

  /** The value of the last {@code fuse_api=} option, or "kernel". */
  public static String api(MountOptions o) {
    String api = "kernel";
    for (String opt : o.libfuse()) {
      if (opt.startsWith("fuse_api=")) {
        api = opt.substring("fuse_api=".length());
      }
    }
    if (!api.equals("kernel") && !api.equals(LIBFUSE_API)) {
      throw new IllegalArgumentException("fuse_api=" + api + ": expected kernel or libfuse");
    }
    return api;
  }

  /** Seconds the kernel may cache attributes and negative lookups. */
  public static final String DEFAULT_TIMEOUT = "1";

  /**
   * Seconds the kernel may keep a name's lookup before asking again: as long as it likes, as kernel overlayfs
   * (its dentries need no revalidation) and fuse-overlayfs (1e9 s) do. Every change of a name goes through this
   * mount, so the kernel already knows it; layers changed under a live mount are undefined on overlayfs too.
   * With 1 s, an access to a name looked up more than a second before cost a LOOKUP round trip first (a
   * `chmod -R`, `touch` or open of files listed earlier: one request per file more than fuse-overlayfs).
   * Attributes keep {@link #DEFAULT_TIMEOUT}: lamina changes some without a request (atime, link counts).
   */
  public static final String DEFAULT_ENTRY_TIMEOUT = "1000000000";

  private FuseArgs() {}

  /** The {@code -o} option list handed to fuse_main (without the mountpoint). */
  public static List<String> options(MountOptions o, boolean root) {
    return options(o, root, false);
  }

  /** The same defaults and user options for the kernel session, lamina's own options included. */
  public static List<String> sessionOptions(MountOptions o, boolean root) {
    return options(o, root, true);
  }

  private static List<String> options(MountOptions o, boolean root, boolean withOwn) {
    List<String> opts = new ArrayList<>();
    opts.add("fsname=" + escape(o.fsname()));
    if (!o.subtype().isEmpty()) {
      opts.add("subtype=" + escape(o.subtype()));
    }
    opts.add("use_ino");
    opts.add("hard_remove");
    opts.add("default_permissions");
    opts.add("atomic_o_trunc");
    opts.add("big_writes");
    opts.add("max_write=131072");
    opts.add("entry_timeout=" + DEFAULT_ENTRY_TIMEOUT);
    opts.add("attr_timeout=" + DEFAULT_TIMEOUT);
    opts.add("negative_timeout=" + DEFAULT_TIMEOUT);
    opts.add("nonempty");
    if (root) {
      opts.add("allow_other");
      opts.add("suid");
    }
    opts.add("nodev");
    opts.add("noatime");
    if (o.readOnly() && !o.libfuse().contains("ro")) {
      opts.add("ro");
    }
    o.libfuse().stream()
        .filter(opt -> withOwn || !(OWN_FLAGS.contains(opt) || OWN_KEYS.contains(opt.split("=", 2)[0])))
        .forEach(opts::add);
    return opts;
  }

  /**
   * argv for fuse_main after the program name. The loop is multithreaded by default, so several processes
   * using the mount are served in parallel and a long copy-up does not stall everyone else (issue 2).
   * {@code -o single_thread} selects {@code -s}: libfuse 2's multithreaded loop starts a worker whenever all are
   * busy and ends one whenever more than 10 are idle, and each new thread attaches to the JVM; under a steady
   * stream of requests that cost a `find` over the benchmark image 6,865 thread starts and 101 young GCs (JFR),
   * and the daemon's CPU for the walk fell from 2.3 s to 1.3 s with {@code -s}. Serial workloads on few cores
   * gain from it; concurrent ones lose their parallelism.
   */
  public static List<String> argv(MountOptions o, boolean root, boolean debug) {
    List<String> argv = new ArrayList<>();
    if (debug) {
      argv.add("-d");
    }
    if (o.libfuse().contains(SINGLE_THREAD)) {
      argv.add("-s");
    }
    argv.add("-o");
    argv.add(String.join(",", options(o, root)));
    return argv;
  }

  /** libfuse splits -o on commas; a comma inside a value is written "\,". */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace(",", "\\,");
  }
}
