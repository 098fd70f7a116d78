package dev.lamina.cli;

import dev.lamina.fuse.FuseMount;
import dev.lamina.fuse.MountOptions;
import dev.lamina.fuse.Unmount;
import dev.lamina.layer.ContainerInfo;
import dev.lamina.layer.Containers;
import dev.lamina.layer.LayerStore;
import dev.lamina.layer.StoredImage;
import dev.lamina.run.IdMap;
import dev.lamina.run.IdMapping;
import dev.lamina.daemon.HeldMount;
import dev.lamina.fuse.Unions;
import dev.lamina.sys.HostFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mounted root of a {@code lamina run} container: the image's layers as lower dirs and the container's upper
 * dir, mounted through FUSE on {@code containers/NAME/merged} with the id maps of the run's user namespace; served
 * by the user's shared daemon for as long as this process holds it ({@link HeldMount}), or with
 * {@code --daemon=private} (or where the daemon cannot serve this process) by this JVM. Both get the same mount
 * options. Closing unmounts, clears the container's mount point, and removes the container for {@code --rm}.
 */
final class RunContainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunContainer.class);
  private static final Path FUSE_CONF = Path.of("/etc/fuse.conf");
  /** {@code user.containers.override_stat}, as NIO's user-attribute view names it (without "user."). */
  private static final String OVERRIDE_STAT = "containers.override_stat";

  private final Containers containers;
  private final String name;
  private final Path root;
  /** The mount when this JVM serves it, else null. */
  private final FuseMount mount;
  /** The mount when the shared daemon serves it, else null. */
  private final HeldMount held;
  private final boolean remove;
  private final boolean allowOther;
  private boolean closed;

  private RunContainer(Containers containers, String name, Path root, FuseMount mount, HeldMount held,
      boolean remove, boolean allowOther) {
    this.containers = containers;
    this.name = name;
    this.root = root;
    this.mount = mount;
    this.held = held;
    this.remove = remove;
    this.allowOther = allowOther;
  }

  /**
   * Creates (or re-enters, for a kept name) the container and mounts it.
   *
   * @param mapping the ids the run's namespace maps: image id N is presented as the host id N maps to, so files
   *     show inside with the image's owners
   * @param shared whether the user's shared daemon serves the mount (else this JVM)
   */
  static RunContainer open(
      LayerStore store, StoredImage img, String name, boolean remove, IdMapping mapping, boolean root,
      boolean shared)
      throws IOException {
    List<Path> lowers = new ArrayList<>(store.mountableLowerDirs(img));
    Containers cs = store.containers();
    Containers.Claim claim = cs.claim(name, img);
    try {
      return mount(store, claim, remove, mapping, root, lowers, shared);
    } catch (IOException | RuntimeException e) {
      if (claim.created()) {
        // a command that fails leaves nothing behind: the container it made goes again
        try {
          cs.remove(name);
        } catch (IOException | RuntimeException e2) {
          e.addSuppressed(e2);
        }
      }
      throw e;
    }
  }

  private static RunContainer mount(
      LayerStore store, Containers.Claim claim, boolean remove, IdMapping mapping, boolean root,
      List<Path> lowers, boolean shared)
      throws IOException {
    Containers cs = store.containers();
    String name = claim.info().name();
    ContainerInfo c = claim.info();
    Path merged = cs.upperDir(name).resolveSibling("merged");
    if (cs.isMounted(c) && isStale(Path.of(c.mountpoint()))) {
      // left by a lamina that was killed (SIGKILL): its FUSE daemon is gone, the mount answers ENOTCONN
      LOG.info("unmounting the stale mount {} of container {}", c.mountpoint(), name);
      Unmount.unmount(Path.of(c.mountpoint()), Duration.ofSeconds(10));
    }
    if (cs.isMounted(c) && HeldMount.releaseOrphan(Path.of(c.mountpoint()))) {
      // left by a lamina run that was killed while the shared daemon served its root: the daemon unmounted it
      LOG.info("the daemon released the mount {} of container {}, whose run had ended", c.mountpoint(), name);
    }
    if (cs.isMounted(c)) {
      throw new UserError(
          "container '" + name + "' is in use (mounted on " + c.mountpoint() + "); wait for it to end, or unmount"
              + " it (fusermount3 -u " + c.mountpoint() + ")", 125);
    }
    Files.createDirectories(merged);
    Collections.reverse(lowers); // the store lists bottom first, overlays take the top first
    if (HostFs.get().geteuid() != 0) {
      seedUpperRoot(cs.upperDir(name), lowers);
    }
    // Without allow_other the kernel lets only the mounting user's uid and gid use the mount; inside the
    // namespace that is root only. fusermount3 grants it to ordinary users only with user_allow_other.
    boolean allowOther = root || (mapping.hasRanges() && userAllowOther());
    List<String> opts = new ArrayList<>();
    opts.add("lowerdir=" + String.join(":", lowers.stream().map(p -> escape(p.toString())).toList()));
    opts.add("upperdir=" + escape(cs.upperDir(name).toString()));
    opts.add("workdir=" + escape(cs.workDir(name).toString()));
    opts.add("fsname=lamina:" + name);
    if (allowOther && !root) {
      opts.add("allow_other");
    }
    opts.addAll(idOptions(mapping));
    Path mnt = merged.toRealPath();
    HeldMount held = null;
    if (shared) {
      try {
        held = HeldMount.mount(List.of("-o", String.join(",", opts), mnt.toString()));
      } catch (IOException e) {
        throw new UserError("cannot mount the root of container " + name + " through the lamina daemon: "
            + e.getMessage() + "; --daemon=private mounts it in this process", 125);
      }
    }
    FuseMount m = null;
    if (held != null && held.code() != 0) {
      throw new UserError(held.err().strip().replaceFirst("^lamina: ", "") + " (mounting the root of container "
          + name + " through the lamina daemon; --daemon=private mounts it in this process)", 125);
    }
    if (held == null) {
      if (shared) {
        LOG.info("the shared daemon cannot serve this process here: the root of {} is served by this JVM", name);
      }
      MountOptions mo = MountOptions.parse(opts, null, Path.of("/"));
      m = FuseMount.mount(Unions.open(mo), mnt, mo, false, Duration.ofSeconds(30));
    }
    RunContainer rc = new RunContainer(cs, name, mnt, m, held, remove, allowOther);
    try {
      cs.setMountpoint(name, merged);
    } catch (IOException | RuntimeException e) {
      rc.unmount();
      throw e;
    }
    return rc;
  }

  /** mount options separate with ',' and lowerdir with ':'; the fuse side unescapes "\:" and "\,". */
  private static String escape(String path) {
    return path.replace(":", "\\:").replace(",", "\\,");
  }

  /**
   * The mount options that show the disk's ids as {@link #unionMap} does: {@code uidmapping=}/{@code gidmapping=}
   * with its ranges, and {@code squash_to_uid=}/{@code squash_to_gid=} when only root is mapped (every owner shows
   * as the invoking user, root inside); none for real root.
   */
  static List<String> idOptions(IdMapping mapping) {
    List<String> o = new ArrayList<>();
    idOptions(mapping.uids(), "uid", o);
    idOptions(mapping.gids(), "gid", o);
    return o;
  }

  private static void idOptions(List<IdMap> lines, String kind, List<String> out) {
    dev.lamina.union.IdMap map = unionMap(lines);
    if (map.isIdentity()) {
      return;
    }
    out.add(kind + "mapping=" + map.ranges().stream().map(r -> r.backing() + ":" + r.presented() + ":" + r.size())
        .collect(java.util.stream.Collectors.joining(":")));
    if (lines.size() == 1 && lines.get(0).count() == 1) {
      out.add("squash_to_" + kind + "=" + lines.get(0).outside());
    }
  }

  Path root() {
    return root;
  }

  /** Whether users other than the mounting one (image users other than root, inside) can use the mount. */
  boolean allowOther() {
    return allowOther;
  }

  /**
   * Our namespace map (inside id -> host id) is the overlay's (backing id -> presented id), plus one line: a
   * backing id equal to the invoking user's own id is shown as that user, i.e. root inside. Such ids come from
   * files without override_stat, whose on-disk owner is the backing id: symlinks (no user.* xattrs on them)
   * and anything created without the xattr. It goes before the range so it wins; the cost is that an image file
   * owned by exactly that id also shows as root. Going the other way, the root line comes first, so root inside
   * still stores uid 0. Without a subordinate range every owner shows as root (squashed).
   */
  static dev.lamina.union.IdMap unionMap(List<IdMap> lines) {
    if (lines.size() == 1 && lines.get(0).inside() == 0 && lines.get(0).outside() == 0
        && lines.get(0).count() == IdMapping.ALL_IDS) {
      return dev.lamina.union.IdMap.IDENTITY; // real root: every id is itself
    }
    List<dev.lamina.union.IdMap.Range> ranges = new ArrayList<>();
    for (IdMap l : lines) {
      ranges.add(new dev.lamina.union.IdMap.Range(l.inside(), l.outside(), l.count()));
      if (l.inside() == 0 && l.count() == 1 && l.outside() != 0) {
        ranges.add(new dev.lamina.union.IdMap.Range(l.outside(), l.outside(), 1));
      }
    }
    if (lines.size() == 1 && lines.get(0).count() == 1) {
      // only root is mapped: every other owner would show as nobody (65534); show it as root, as promised
      return new dev.lamina.union.IdMap(ranges, (int) lines.get(0).outside());
    }
    return new dev.lamina.union.IdMap(ranges);
  }

  /**
   * A fresh upper dir's root is the topmost dir of the merged root but has no override_stat, so it would show
   * with the on-disk owner (the invoking user, i.e. some id of the subordinate range under the map) instead of
   * the image's root owner: give it the override_stat of the topmost lower root that has one.
   */
  private static void seedUpperRoot(Path upper, List<Path> lowers) throws IOException {
    UserDefinedFileAttributeView up = Files.getFileAttributeView(upper, UserDefinedFileAttributeView.class);
    if (up == null || up.list().contains(OVERRIDE_STAT)) {
      return;
    }
    for (Path l : lowers) {
      UserDefinedFileAttributeView v = Files.getFileAttributeView(l, UserDefinedFileAttributeView.class);
      if (v != null && v.list().contains(OVERRIDE_STAT)) {
        ByteBuffer b = ByteBuffer.allocate(v.size(OVERRIDE_STAT));
        v.read(OVERRIDE_STAT, b);
        b.flip();
        up.write(OVERRIDE_STAT, b);
        return;
      }
    }
  }

  private static boolean userAllowOther() {
    try {
      return Files.readAllLines(FUSE_CONF).stream().anyMatch(l -> l.strip().equals("user_allow_other"));
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether a FUSE mount point no longer answers (its daemon died): opening it fails with ENOTCONN. */
  private static boolean isStale(Path mountPoint) {
    // Open the directory rather than stat it: the kernel answers a stat from its attribute cache for up to
    // attr_timeout after the daemon died, while OPENDIR always reaches the daemon (ENOTCONN once it is gone).
    try (var dir = Files.newDirectoryStream(mountPoint)) {
      return false;
    } catch (IOException e) {
      return String.valueOf(e.getMessage()).contains("not connected");
    }
  }

  /** Unmounts: the daemon does it for a held mount (also when it is dead: then here), or this JVM for its own. */
  private void unmount() throws IOException {
    if (mount != null) {
      mount.close();
      return;
    }
    try {
      held.release();
    } catch (IOException e) {
      // the daemon went away (stopped, killed): its mount is gone or dead; unmount what is left here
      LOG.warn("the lamina daemon did not release {}: {}; unmounting it here", root, e.toString());
      if (dev.lamina.fuse.MountTable.find(root).isPresent()) {
        Unmount.unmount(root, Duration.ofSeconds(10));
      }
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      unmount();
    } finally {
      containers.setMountpoint(name, null);
      if (remove) {
        containers.remove(name);
      }
    }
  }
}
