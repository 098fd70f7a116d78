package dev.lamina.run;

import dev.lamina.run.NamespaceCommand.ResolvedBind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Makes a root ready for {@link NamespaceCommand}: creates the working directory and mount points the image lacks
 * (in the container's upper dir when the root is a lamina mount, as docker does), and resolves every target
 * inside the root, so a symlink in the image never sends a mount onto the host.
 */
public final class RootfsPreparer {
  private static final Path HOST_RESOLV = Path.of("/etc/resolv.conf");
  private static final Path HOST_HOSTS = Path.of("/etc/hosts");

  private RootfsPreparer() {}

  /** Reads a file of the image (e.g. /etc/passwd) through the root, or returns null when it is absent. */
  public static String readImageFile(Path root, String path) throws RunException {
    Path p = RootPath.resolve(root, path);
    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new RunException("cannot read " + path + " of the image at " + p + ": " + e.getMessage(), e);
    }
  }

  /**
   * Prepares the root and returns the bind mounts to make, host /etc files first. Missing mount points and the
   * working directory are created even for {@code --read-only}, as docker does: only the command's view is
   * read-only.
   */
  public static List<ResolvedBind> prepare(RunPlan plan) throws RunException {
    Path root = plan.rootfs();
    if (!Files.isDirectory(root)) {
      throw new RunException("the container root " + root + " is not a directory");
    }
    Path cwd = RootPath.resolve(root, plan.cwd());
    if (!Files.isDirectory(cwd)) {
      mkdirs(cwd);
    }
    for (String mp : List.of("/proc", "/dev", "/sys")) {
      Path p = RootPath.resolve(root, mp);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        mkdirs(p);
      }
    }
    List<ResolvedBind> binds = new ArrayList<>();
    hostEtcFile(root, "/etc/resolv.conf", HOST_RESOLV).ifPresent(binds::add);
    hostEtcFile(root, "/etc/hosts", HOST_HOSTS).ifPresent(binds::add);
    for (BindMount b : plan.binds()) {
      if (!Files.exists(b.host())) {
        throw new RunException(
            "the bind mount source " + b.host() + " does not exist; create it first (-v " + b.host() + ":"
                + b.container() + ")");
      }
      Path target = RootPath.resolve(root, b.container());
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.isDirectory(b.host())) {
          mkdirs(target);
        } else {
          mkdirs(target.getParent());
          touch(target);
        }
      }
      binds.add(new ResolvedBind(b.host(), target, b.readOnly()));
    }
    return binds;
  }

  /** The host's copy of an /etc file, bound read-only, when the image has none (or an empty one). */
  private static Optional<ResolvedBind> hostEtcFile(Path root, String path, Path host)
      throws RunException {
    if (!Files.isReadable(host)) {
      return Optional.empty();
    }
    Path target = RootPath.resolve(root, path);
    try {
      if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) > 0) {
        return Optional.empty();
      }
    } catch (IOException e) {
      throw new RunException("cannot stat " + target + ": " + e.getMessage(), e);
    }
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isDirectory(target.getParent())) {
        return Optional.empty();
      }
      touch(target);
    } else if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    return Optional.of(new ResolvedBind(host, target, true));
  }

  private static void mkdirs(Path p) throws RunException {
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new RunException("cannot create " + p + " in the container root: " + e, e);
    }
  }

  private static void touch(Path p) throws RunException {
    try {
      Files.createFile(p);
    } catch (IOException e) {
      throw new RunException("cannot create " + p + " in the container root: " + e, e);
    }
  }
}
