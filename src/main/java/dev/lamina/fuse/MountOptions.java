package dev.lamina.fuse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of a mount in fuse-overlayfs form ({@code -o lowerdir=A:B,upperdir=U,workdir=W,...}): the
 * overlay's directories, the options handed on to libfuse, and those accepted but ignored.
 *
 * @param lowerDirs top first (the leftmost {@code lowerdir} entry), absolute
 * @param upperDir null for a read-only mount
 * @param workDir null when there is no upperdir
 * @param fsname shown as the mount's source in /proc/self/mountinfo
 * @param whiteout "chardev", "wh" or null (chosen from privileges)
 * @param libfuse libfuse options given by the user, passed on unchanged (after ours, so they win)
 * @param overlay fuse-overlayfs options with a meaning for the overlay core (uidmapping, gidmapping, ...)
 * @param ignored kernel-only and unsupported options, for a debug log line
 */
public record MountOptions(
    List<Path> lowerDirs,
    Path upperDir,
    Path workDir,
    String fsname,
    String subtype,
    boolean readOnly,
    String whiteout,
    List<String> libfuse,
    Map<String, String> overlay,
    List<String> ignored) {

  public static final String DEFAULT_NAME = "lamina";

  /** The key in {@link #overlay()} of the atime options given, in order, comma-separated (see union.Atime). */
  public static final String ATIME = "atime";

  /** Options libfuse 2.9 parses itself (fuse_main: mount, high-level and low-level tables). */
  private static final Set<String> LIBFUSE_FLAGS =
      withOwn(FuseArgs.OWN_FLAGS,
          "allow_other", "allow_root", "auto_unmount", "nonempty", "default_permissions", "blkdev",
          "hard_remove", "use_ino", "readdir_ino", "direct_io", "kernel_cache", "auto_cache",
          "noauto_cache", "noforget", "intr", "debug", "async_read", "sync_read", "atomic_o_trunc",
          "no_remote_lock", "no_remote_flock", "no_remote_posix_lock", "big_writes", "splice_write",
          "no_splice_write", "splice_move", "no_splice_move", "splice_read", "no_splice_read",
          "large_read",
          // kernel mount flags libfuse's mount understands: honoured as given (later ones win)
          "ro", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "noatime", "atime", "sync", "async",
          "dirsync");

  private static final Set<String> LIBFUSE_KEYS =
      withOwn(FuseArgs.OWN_KEYS,
          "blksize", "max_read", "umask", "uid", "gid", "entry_timeout", "attr_timeout",
          "ac_attr_timeout", "negative_timeout", "remember", "intr_signal", "max_write",
          "max_readahead", "max_background", "congestion_threshold", "context", "fscontext",
          "defcontext", "rootcontext");

  /** libfuse's options plus lamina's own of the same kind ({@link FuseArgs#OWN_FLAGS}, {@code OWN_KEYS}). */
  private static Set<String> withOwn(Set<String> own, String... libfuse) {
    Set<String> all = new java.util.HashSet<>(own);
    all.addAll(List.of(libfuse));
    return Set.copyOf(all);
  }

  /** fuse-overlayfs options that configure the overlay rather than FUSE (see {@link OverlayfsOptions}). */
  private static final Set<String> OVERLAY_KEYS = OverlayfsOptions.FOR_THE_CORE;

  public MountOptions {
    lowerDirs = List.copyOf(lowerDirs);
    libfuse = List.copyOf(libfuse);
    overlay = Map.copyOf(overlay);
    ignored = List.copyOf(ignored);
  }

  /**
   * Parses the {@code -o} strings in order (later values win).
   *
   * @param source the SOURCE of the mount-helper form, or null
   * @param cwd relative directories are resolved against it
   * @throws IllegalArgumentException with a message for the user
   */
  public static MountOptions parse(List<String> optionStrings, String source, Path cwd) {
    List<Path> lower = null;
    Path upper = null;
    Path work = null;
    String fsname = source == null || source.isEmpty() ? null : source;
    String subtype = DEFAULT_NAME;
    boolean ro = false;
    String whiteout = null;
    List<String> libfuse = new ArrayList<>();
    Map<String, String> overlay = new LinkedHashMap<>();
    List<String> ignored = new ArrayList<>();
    for (String s : optionStrings) {
      for (String opt : splitEscaped(s, ',')) {
        if (opt.isEmpty()) {
          continue;
        }
        int eq = opt.indexOf('=');
        String key = eq < 0 ? opt : opt.substring(0, eq);
        String value = eq < 0 ? null : opt.substring(eq + 1);
        switch (key) {
          case "lowerdir" -> lower = lowerDirs(required(key, value), cwd);
          case "upperdir" -> upper = dir(key, required(key, value), cwd);
          case "workdir" -> work = dir(key, required(key, value), cwd);
          case "fsname" -> fsname = required(key, value);
          case "subtype" -> subtype = required(key, value);
          case "whiteout" -> whiteout = whiteout(required(key, value));
          case "daemon" -> {
            // which process serves the mount (dev.lamina.daemon.DaemonMode); nothing for the filesystem
            if (!"shared".equals(value) && !"private".equals(value)) {
              throw new IllegalArgumentException("daemon=" + value + " is not a daemon mode: use daemon=shared"
                  + " (one daemon per user serves every mount) or daemon=private (a process of its own)");
            }
            ignored.add(opt);
          }
          case "ro" -> {
            ro = true;
            libfuse.add(opt);
          }
          case "rw" -> {
            ro = false;
            ignored.add(opt);
          }
          case "timeout" -> {
            // fuse-overlayfs's cache timeout: for entries and attributes alike
            OptionValues.check(key, required(key, value));
            libfuse.add("entry_timeout=" + value);
            libfuse.add("attr_timeout=" + value);
          }
          case "noatime", "atime", "relatime", "norelatime", "strictatime", "nostrictatime", "nodiratime",
              "diratime", "lazytime", "nolazytime" -> {
            // the overlay's atime rules (union.Atime); noatime and atime also go to the FUSE mount, as before
            overlay.merge(ATIME, opt, (a, b) -> a + "," + b);
            if (LIBFUSE_FLAGS.contains(opt)) {
              libfuse.add(opt);
            }
          }
          default -> {
            if (value != null) {
              OptionValues.check(key, value);
            }
            if (eq < 0 ? LIBFUSE_FLAGS.contains(key) : LIBFUSE_KEYS.contains(key)) {
              libfuse.add(opt);
            } else if (OVERLAY_KEYS.contains(key)) {
              OverlayfsOptions.checkForTheCore(key, value);
              overlay.put(key, value == null ? "" : value);
            } else {
              OverlayfsOptions.refuseUnsupported(key, value);
              ignored.add(opt);
            }
          }
        }
      }
    }
    if (lower == null) {
      throw new IllegalArgumentException(
          "no lowerdir given: pass -o lowerdir=DIR[:DIR...] (leftmost is the top layer)");
    }
    if (upper == null && work != null) {
      throw new IllegalArgumentException("workdir=" + work + " given without upperdir");
    }
    if (upper != null && work == null) {
      throw new IllegalArgumentException(
          "upperdir=" + upper + " needs a workdir on the same filesystem: add -o workdir=DIR");
    }
    boolean readOnly = ro || upper == null;
    return new MountOptions(
        lower, upper, work, fsname == null ? DEFAULT_NAME : fsname, subtype, readOnly, whiteout,
        libfuse, overlay, ignored);
  }

  /** The fstype the kernel shows in mountinfo: "fuse.SUBTYPE", or "fuse" without one. */
  public String fstype() {
    return subtype.isEmpty() ? "fuse" : "fuse." + subtype;
  }

  /** Splits on {@code sep} not preceded by a backslash; {@code \X} stands for X. */
  static List<String> splitEscaped(String s, char sep) {
    List<String> parts = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        // Keep the backslash when the next split level needs it (a "\:" inside an option value).
        if (n != sep && sep == ',') {
          cur.append('\\');
        }
        cur.append(n);
      } else if (c == sep) {
        parts.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    parts.add(cur.toString());
    return parts;
  }

  private static List<Path> lowerDirs(String value, Path cwd) {
    List<Path> dirs = new ArrayList<>();
    for (String d : splitEscaped(value, ':')) {
      if (d.isEmpty()) {
        throw new IllegalArgumentException("empty entry in lowerdir=" + value);
      }
      dirs.add(cwd.resolve(d).normalize());
    }
    return dirs;
  }

  private static Path dir(String key, String value, Path cwd) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException(key + "= needs a directory");
    }
    return cwd.resolve(value.replace("\\:", ":")).normalize();
  }

  private static String required(String key, String value) {
    if (value == null) {
      throw new IllegalArgumentException("option " + key + " needs a value: " + key + "=...");
    }
    return value;
  }

  private static String whiteout(String value) {
    return switch (value) {
      case "chardev", "wh" -> value;
      case "auto" -> null;
      default ->
          throw new IllegalArgumentException(
              "whiteout=" + value + ": use chardev (0/0 device nodes), wh (.wh. files) or auto");
    };
  }
}
