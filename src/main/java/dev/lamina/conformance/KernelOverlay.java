package dev.lamina.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The reference: the kernel's overlayfs, with options that make it comparable to lamina (each can be
 * overridden with {@code --kernel-options}).
 *
 * <ul>
 *   <li>{@code redirect_dir=off}: renaming a directory that is not purely upper fails with EXDEV, which is
 *       what lamina (like fuse-overlayfs) does; with redirects the kernel would move it.
 *   <li>{@code index=off, nfs_export=off}: no inode index, so copying up one name of a lower hard link
 *       breaks the link, as in a userspace overlay without an index.
 *   <li>{@code metacopy=off}: chmod/chown copy the data up too, so the upper dir holds full files.
 *   <li>{@code xino=off}: inode numbers are the backing ones; only their stability is compared.
 * </ul>
 * As root it mounts directly; rootless it mounts inside {@code unshare -Urm} with {@code userxattr} (Linux
 * 5.11+), for the one driver run that needs it ({@link #driverPrefix}).
 */
public final class KernelOverlay implements OverlayTarget {

  public static final String OPTIONS = "redirect_dir=off,index=off,nfs_export=off,metacopy=off,xino=off";
  private static final Map<String, String> PROBES = new java.util.concurrent.ConcurrentHashMap<>();
  private final String options;
  private final RunMode mode;

  /** As root, with the default options (the differential suite's reference). */
  public KernelOverlay() {
    this("", new RunMode(false));
  }

  /** @param extraOptions comma-separated mount options that override or add to {@link #OPTIONS} */
  public KernelOverlay(String extraOptions, RunMode mode) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (String o : (OPTIONS + (extraOptions.isBlank() ? "" : "," + extraOptions)).split(",")) {
      if (!o.isBlank()) {
        String[] kv = o.strip().split("=", 2);
        opts.put(kv[0], kv.length > 1 ? "=" + kv[1] : "");
      }
    }
    if (mode.rootless()) {
      opts.put("userxattr", "");
      // with userxattr the kernel refuses redirect_dir=off (which means "follow"): nofollow neither creates nor
      // follows redirects, so a merged directory's rename still gives EXDEV
      opts.computeIfPresent("redirect_dir", (k, v) -> v.equals("=off") ? "=nofollow" : v);
    }
    this.options = opts.entrySet().stream().map(e -> e.getKey() + e.getValue()).collect(Collectors.joining(","));
    this.mode = mode;
  }

  /** The options given to every read-write mount, after the layer options. */
  public String options() {
    return options;
  }

  @Override
  public String name() {
    return "kernel";
  }

  @Override
  public String unavailableReason() {
    String r = PROBES.computeIfAbsent(mode.rootless() + options, k -> probe());
    return r.isEmpty() ? null : r;
  }

  /** Tries a tiny overlay mount: the feature is probed, not inferred from the kernel version. */
  private String probe() {
    if (!mode.rootless() && !Shell.isRoot()) {
      return "kernel overlayfs needs root, or the rootless mode (a user namespace)";
    }
    if (mode.rootless() && !Shell.onPath("unshare")) {
      return "unshare (util-linux) is not installed";
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("lamina-probe-");
      for (String d : List.of("l", "u", "w", "m")) {
        Files.createDirectory(dir.resolve(d));
      }
      String opts = OverlayTarget.layerOptions(List.of(dir.resolve("l")), dir.resolve("u"), dir.resolve("w"))
          + "," + options;
      Shell.Result r = mode.rootless()
          ? Shell.run(java.time.Duration.ofSeconds(60), null,
              Shell.concat(RunMode.inMountNamespace(opts, dir.resolve("m")), "true"))
          : Shell.run("mount", "-t", "overlay", "overlay", "-o", opts, dir.resolve("m").toString());
      if (!r.ok()) {
        return "kernel overlayfs mount " + (mode.rootless() ? "in a user namespace " : "") + "failed (-o "
            + options + "): " + r.err().strip();
      }
      if (!mode.rootless()) {
        Shell.run("umount", dir.resolve("m").toString());
      }
      return "";
    } catch (IOException e) {
      return "kernel overlayfs probe failed: " + e.getMessage();
    } finally {
      if (dir != null) {
        try {
          Shell.run("rm", "-rf", dir.toString());
        } catch (IOException ignored) {
          // best effort: a probe leftover in the temp dir does no harm
        }
      }
    }
  }

  /** The options of a read-only overlay of lower layers only (leftmost on top), as the re-read uses. */
  public static String readOnlyOptions(List<Path> lowers, RunMode mode) {
    return readOnlyOptions(lowers, mode, "");
  }

  /**
   * {@link #readOnlyOptions(List, RunMode)} for a scenario mounted with scenarioOptions: one with
   * {@code metacopy=on} is re-read with metacopy (and so redirects) on, which reads its metadata-only copies.
   */
  public static String readOnlyOptions(List<Path> lowers, RunMode mode, String scenarioOptions) {
    boolean metacopy = java.util.Arrays.asList(scenarioOptions.split(",")).contains("metacopy=on");
    return "ro," + OverlayTarget.layerOptions(lowers, null, null)
        + (metacopy && !mode.rootless() ? ",metacopy=on,redirect_dir=on,xino=off"
            : mode.rootless() ? ",redirect_dir=nofollow,xino=off,userxattr" : ",redirect_dir=off,xino=off");
  }

  /** A read-only overlay of lower layers only (leftmost on top), as root. */
  public static Mounted mountReadOnly(List<Path> lowers, Path mnt) throws IOException {
    return mountReadOnly(lowers, mnt, "");
  }

  /** A read-only overlay of lower layers only, as root, for a scenario mounted with scenarioOptions. */
  public static Mounted mountReadOnly(List<Path> lowers, Path mnt, String scenarioOptions) throws IOException {
    Shell.check("mount", "-t", "overlay", "overlay", "-o",
        readOnlyOptions(lowers, new RunMode(false), scenarioOptions), mnt.toString());
    return () -> {
      if (!Shell.run("umount", mnt.toString()).ok()) {
        Shell.check("umount", "-l", mnt.toString());
      }
    };
  }

  /** {@link #options()} with the values of {@code extra} (key=value, comma-separated) in place of theirs. */
  public String options(String extra) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (String o : (options + (extra.isEmpty() ? "" : "," + extra)).split(",")) {
      int eq = o.indexOf('=');
      opts.put(eq < 0 ? o : o.substring(0, eq), o);
    }
    return String.join(",", opts.values());
  }

  @Override
  public List<String> driverPrefix(List<Path> lowers, Path upper, Path work, Path mnt, String extra) {
    return mode.rootless()
        ? RunMode.inMountNamespace(OverlayTarget.layerOptions(lowers, upper, work) + "," + options(extra), mnt)
        : null;
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt) throws IOException {
    return mount(lowers, upper, work, mnt, "");
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt, String extra) throws IOException {
    if (mode.rootless()) {
      return () -> { }; // mounted by driverPrefix, in a namespace that ends with the driver
    }
    Shell.check("mount", "-t", "overlay", "overlay", "-o",
        OverlayTarget.layerOptions(lowers, upper, work) + "," + options(extra), mnt.toString());
    return () -> {
      if (!Shell.run("umount", mnt.toString()).ok()) {
        Shell.check("umount", "-l", mnt.toString());
      }
    };
  }
}
