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
import dev.lamina.union.OverlayConfig;
import dev.lamina.union.OverlayFs;
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
 * dir, mounted through FUSE on {@code containers/NAME/merged} by this JVM, with the id maps of the run's user
 * namespace. Closing unmounts, clears the container's mount point, and removes the container for {@code --rm}.
 */
final class RunContainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunContainer.class);
  private static final Path FUSE_CONF = Path.of("/etc/fuse.conf");
  /** {@code user.containers.override_stat}, as NIO's user-attribute view names it (without "user."). */
  private static final String OVERRIDE_STAT = "containers.override_stat";

  private final Containers containers;
  private final String name;
  private final FuseMount mount;
  private final boolean remove;
  private final boolean allowOther;
  private boolean closed;

  private RunContainer(Containers containers, String name, FuseMount mount, boolean remove, boolean allowOther) {
    this.containers = containers;
    this.name = name;
    this.mount = mount;
    this.remove = remove;
    this.allowOther = allowOther;
  }

  /**
   * Creates (or re-enters, for a kept name) the container and mounts it.
   *
   * @param mapping the ids the run's namespace maps: image id N is presented as the host id N maps to, so files
   *     show inside with the image's owners
   */
  static RunContainer open(
      LayerStore store, StoredImage img, String name, boolean remove, IdMapping mapping, boolean root)
      throws IOException {
    List<Path> lowers = new ArrayList<>(store.mountableLowerDirs(img));
    Containers cs = store.containers();
    Containers.Claim claim = cs.claim(name, img);
    try {
      return mount(store, claim, remove, mapping, root, lowers);
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
      List<Path> lowers)
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
    OverlayConfig config =
        OverlayConfig.builder()
            .lowerDirs(lowers)
            .upperDir(cs.upperDir(name))
            .workDir(cs.workDir(name))
            .uidMap(unionMap(mapping.uids()))
            .gidMap(unionMap(mapping.gids()))
            .build();
    // Without allow_other the kernel lets only the mounting user's uid and gid use the mount; inside the
    // namespace that is root only. fusermount3 grants it to ordinary users only with user_allow_other.
    boolean allowOther = root || (mapping.hasRanges() && userAllowOther());
    List<String> opts = new ArrayList<>();
    opts.add("lowerdir=" + String.join(":", lowers.stream().map(Path::toString).toList()));
    opts.add("upperdir=" + cs.upperDir(name));
    opts.add("workdir=" + cs.workDir(name));
    opts.add("fsname=lamina:" + name);
    if (allowOther && !root) {
      opts.add("allow_other");
    }
    MountOptions mo = MountOptions.parse(opts, null, Path.of("/"));
    FuseMount m = FuseMount.mount(new OverlayFs(config), merged, mo, false, Duration.ofSeconds(30));
    try {
      cs.setMountpoint(name, merged);
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
    return new RunContainer(cs, name, m, remove, allowOther);
  }

  Path root() {
    return mount.mountPoint();
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

  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      mount.close();
    } finally {
      containers.setMountpoint(name, null);
      if (remove) {
        containers.remove(name);
      }
    }
  }
}
