package dev.lamina.difftest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The oracle: the kernel's overlayfs, mounted as root with options that make it comparable to lamina.
 *
 * <ul>
 *   <li>{@code redirect_dir=off}: renaming a directory that is not purely upper fails with EXDEV, which is
 *       what lamina (like fuse-overlayfs) does; with redirects the kernel would move it.
 *   <li>{@code index=off, nfs_export=off}: no inode index, so copying up one name of a lower hard link
 *       breaks the link, as in a userspace overlay without an index.
 *   <li>{@code metacopy=off}: chmod/chown copy the data up too, so the upper dir holds full files.
 *   <li>{@code xino=off}: inode numbers are the backing ones; only their stability is compared.
 * </ul>
 */
final class KernelOverlay implements OverlayTarget {

  static final String OPTIONS = "redirect_dir=off,index=off,nfs_export=off,metacopy=off,xino=off";
  private static String probeResult;

  @Override
  public String name() {
    return "kernel";
  }

  @Override
  public synchronized String unavailableReason() {
    if (probeResult == null) {
      probeResult = probe();
    }
    return probeResult.isEmpty() ? null : probeResult;
  }

  /** Tries a tiny overlay mount: the feature is probed, not inferred from the kernel version. */
  private static String probe() {
    if (!Shell.isRoot()) {
      return "kernel overlayfs needs root (CI runs the differential suite as root)";
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory(Path.of("/tmp"), "diff-probe-");
      for (String d : List.of("l", "u", "w", "m")) {
        Files.createDirectory(dir.resolve(d));
      }
      Shell.Result r = Shell.run("mount", "-t", "overlay", "overlay", "-o",
          OverlayTarget.layerOptions(List.of(dir.resolve("l")), dir.resolve("u"), dir.resolve("w"))
              + "," + OPTIONS, dir.resolve("m").toString());
      if (!r.ok()) {
        return "kernel overlayfs mount failed: " + r.err().strip();
      }
      Shell.run("umount", dir.resolve("m").toString());
      return "";
    } catch (IOException e) {
      return "kernel overlayfs probe failed: " + e.getMessage();
    } finally {
      if (dir != null) {
        try {
          Shell.run("rm", "-rf", dir.toString());
        } catch (IOException ignored) {
          // best effort: a probe leftover in /tmp does no harm
        }
      }
    }
  }

  /** A read-only overlay of lower layers only (leftmost on top). */
  static Mounted mountReadOnly(List<Path> lowers, Path mnt) throws IOException {
    Shell.check("mount", "-t", "overlay", "overlay", "-o", "ro,"
        + OverlayTarget.layerOptions(lowers, null, null) + ",redirect_dir=off,xino=off", mnt.toString());
    return () -> {
      if (!Shell.run("umount", mnt.toString()).ok()) {
        Shell.check("umount", "-l", mnt.toString());
      }
    };
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt) throws IOException {
    return mount(lowers, upper, work, mnt, "");
  }

  /** {@link #OPTIONS} with the values of {@code extra} (key=value, comma-separated) in place of their defaults. */
  static String options(String extra) {
    java.util.Map<String, String> opts = new java.util.LinkedHashMap<>();
    for (String o : (OPTIONS + (extra.isEmpty() ? "" : "," + extra)).split(",")) {
      int eq = o.indexOf('=');
      opts.put(eq < 0 ? o : o.substring(0, eq), o);
    }
    return String.join(",", opts.values());
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt, String options) throws IOException {
    Shell.check("mount", "-t", "overlay", "overlay", "-o",
        OverlayTarget.layerOptions(lowers, upper, work) + "," + options(options), mnt.toString());
    return () -> {
      if (!Shell.run("umount", mnt.toString()).ok()) {
        Shell.check("umount", "-l", mnt.toString());
      }
    };
  }
}
