package dev.lamina.layer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A tree as a container sees it: type, mode, owner, size, content hash, link target, device numbers, user xattrs
 * and mtime (not for directories), with {@code user.containers.override_stat} applied the way the filesystem
 * presents it. Compares lamina's results with {@code umoci unpack}, which creates real owners and devices.
 */
final class PresentedTree {
  private PresentedTree() {}

  static Map<String, String> of(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (!p.equals(root)) {
          out.put(root.relativize(p).toString(), describe(p));
        }
      }
    }
    return out;
  }

  /**
   * The tree kernel overlayfs presents of the lower dirs {@code bottomFirst} (the base first), mounted read-only on
   * the empty directory {@code mnt} and unmounted after; skipped when the mount fails (not root, no overlayfs).
   */
  static Map<String, String> ofKernelOverlay(List<Path> bottomFirst, Path mnt) throws Exception {
    List<String> lower = new ArrayList<>();
    for (Path p : bottomFirst) {
      lower.add(p.toString());
    }
    Collections.reverse(lower); // overlayfs lists the top layer first
    try {
      new ProcessBuilder("mount", "-t", "overlay", "overlay", "-o", "ro,lowerdir=" + String.join(":", lower), mnt.toString())
          .start().waitFor(30, TimeUnit.SECONDS);
      assumeTrue(Mounts.isMountPoint(mnt), "kernel overlayfs mount not possible here");
      return of(mnt);
    } finally {
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  static String describe(Path p) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,rdev,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    int type = mode & OverrideStat.S_IFMT;
    int perms = mode & 07777;
    int uid = (Integer) a.get("uid");
    int gid = (Integer) a.get("gid");
    long rdev = (Long) a.get("rdev");
    String dev = type == OverrideStat.S_IFCHR || type == OverrideStat.S_IFBLK ? major(rdev) + ":" + minor(rdev) : null;
    List<String> xattrs = new ArrayList<>();
    if (type == OverrideStat.S_IFREG || type == OverrideStat.S_IFDIR) {
      UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      for (String n : v.list()) {
        ByteBuffer b = ByteBuffer.allocate(v.size(n));
        v.read(n, b);
        String val = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        if (("user." + n).equals(OverrideStat.XATTR)) {
          OverrideStat o = OverrideStat.parse(val, type);
          uid = o.uid();
          gid = o.gid();
          perms = o.mode();
          type = o.type();
          dev = type == OverrideStat.S_IFCHR || type == OverrideStat.S_IFBLK ? o.major() + ":" + o.minor() : null;
        } else if (!n.startsWith("overlay.")) {
          xattrs.add(n + "=" + val);
        }
      }
    }
    Collections.sort(xattrs);
    StringBuilder b = new StringBuilder(typeName(type)).append(String.format(" %04o %d:%d", perms, uid, gid));
    if (type == OverrideStat.S_IFREG) {
      b.append(" size=").append(a.get("size")).append(" sha=").append(TreeState.sha256(p));
    } else if (type == OverrideStat.S_IFLNK) {
      b.append(" -> ").append(Files.readSymbolicLink(p));
    } else if (dev != null) {
      b.append(" dev=").append(dev);
    }
    if (!xattrs.isEmpty()) {
      b.append(" xattrs=").append(xattrs);
    }
    if (type != OverrideStat.S_IFDIR) {
      b.append(" mtime=").append(a.get("lastModifiedTime"));
    }
    return b.toString();
  }

  private static String typeName(int type) {
    return switch (type) {
      case OverrideStat.S_IFDIR -> "dir";
      case OverrideStat.S_IFLNK -> "symlink";
      case OverrideStat.S_IFCHR -> "char";
      case OverrideStat.S_IFBLK -> "block";
      case OverrideStat.S_IFIFO -> "fifo";
      case OverrideStat.S_IFSOCK -> "socket";
      default -> "file";
    };
  }

  static long major(long dev) {
    return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
  }

  static long minor(long dev) {
    return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
  }
}
