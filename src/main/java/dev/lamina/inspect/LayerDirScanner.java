package dev.lamina.inspect;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import dev.lamina.layer.OverrideStat;
import java.util.Map;

/**
 * Reads an extracted layer directory (a Docker/podman diff dir or a container's upper dir) into a {@link LayerTree},
 * as if it were the layer's tar. Whiteouts may be in any of the usual forms: overlayfs 0/0 character devices,
 * OCI {@code .wh.NAME} files; opaque directories by {@code .wh..wh..opq} or the {@code trusted.} / {@code user.}
 * {@code overlay.opaque} xattr. Rootless stores keep the image's owner and mode in
 * {@code user.containers.override_stat}, which replaces what the file system shows.
 */
public final class LayerDirScanner {
  private LayerDirScanner() {}

  /** Reads extended attributes in any namespace (the caller supplies it: reading trusted.* needs a native call). */
  @FunctionalInterface
  public interface Xattrs {
    /** The value of {@code name} on {@code p} (not following symlinks), or null when absent or unsupported. */
    byte[] get(Path p, String name) throws IOException;
  }

  /** Scans with only the {@code user.} xattrs Java can read itself. */
  public static LayerTree scan(Path dir) throws IOException {
    return scan(dir, LayerDirScanner::userXattr);
  }

  /** Scans {@code dir} (its contents, not itself); contents are hashed as read, never kept. */
  public static LayerTree scan(Path dir, Xattrs xattrs) throws IOException {
    LayerTree tree = new LayerTree();
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[64 * 1024];
    // Regular files with more than one name: a tar stores the first name as the file and every later name as a
    // hard link (size 0), so they are added after the walk in tar order (see HardLinks).
    HardLinks links = new HardLinks();
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        if (!d.equals(dir)) {
          add(d, attrs);
        }
        if (isOpaque(d, xattrs)) {
          String rel = rel(d);
          tree.add(new LayerEntry(rel, rel.isEmpty() ? LayerScanner.OPAQUE_MARKER
              : rel + "/" + LayerScanner.OPAQUE_MARKER, LayerEntry.Kind.OPAQUE, 0, 0, 0, 0, "", 0, (byte) '0'));
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        add(f, attrs);
        return FileVisitResult.CONTINUE;
      }

      private String rel(Path p) {
        return dev.lamina.sys.FileNames.of(dir.relativize(p)); // names as bytes, whatever the locale
      }

      private void add(Path p, BasicFileAttributes basic) throws IOException {
        Map<String, Object> u =
            Files.readAttributes(p, "unix:mode,uid,gid,rdev,size,nlink,ino,dev", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) u.get("mode");
        int type = mode & 0170000;
        String rel = rel(p);
        String name = dev.lamina.sys.FileNames.fileName(p);
        long uid = ((Integer) u.get("uid")) & 0xffffffffL;
        long gid = ((Integer) u.get("gid")) & 0xffffffffL;
        long rdev = (Long) u.get("rdev");
        if (type != 0120000) {
          // rootless: the image's owner, mode and device type are kept in an xattr (not on symlinks)
          byte[] ov = xattrs.get(p, OverrideStat.XATTR);
          if (ov != null) {
            OverrideStat o = OverrideStat.parse(new String(ov, java.nio.charset.StandardCharsets.US_ASCII), type);
            uid = o.uid() & 0xffffffffL;
            gid = o.gid() & 0xffffffffL;
            mode = o.type() | o.mode();
            type = o.type();
            if (type == 0020000 || type == 0060000) {
              rdev = ((long) o.major() << 8) | o.minor();
            }
          }
        }
        if (type == 0020000 && rdev == 0) {
          // overlayfs whiteout: a 0/0 character device named like the deleted path
          tree.add(new LayerEntry(rel, whiteoutName(rel), LayerEntry.Kind.WHITEOUT, 0, mode & 07777, uid, gid,
              "", 0, (byte) '0'));
          return;
        }
        if (name.equals(LayerScanner.OPAQUE_MARKER)) {
          return; // handled with its directory
        }
        if (name.startsWith(LayerScanner.WHITEOUT_PREFIX)) {
          String parent = LayerScanner.parentOf(rel);
          String hidden = name.substring(LayerScanner.WHITEOUT_PREFIX.length());
          tree.add(new LayerEntry(parent.isEmpty() ? hidden : parent + "/" + hidden, rel, LayerEntry.Kind.WHITEOUT,
              0, mode & 07777, uid, gid, "", 0, (byte) '0'));
          return;
        }
        LayerEntry.Kind kind;
        long size = 0;
        long hash = 0;
        String link = "";
        byte flag;
        switch (type) {
          case 0040000 -> { kind = LayerEntry.Kind.DIR; flag = '5'; }
          case 0120000 -> {
            kind = LayerEntry.Kind.SYMLINK;
            flag = '2';
            link = dev.lamina.sys.FileNames.of(Files.readSymbolicLink(p));
            sha.reset();
            hash = first8(sha.digest(dev.lamina.sys.FileNames.encode(link)));
          }
          case 0020000 -> { kind = LayerEntry.Kind.CHAR_DEVICE; flag = '3'; hash = rdev; }
          case 0060000 -> { kind = LayerEntry.Kind.BLOCK_DEVICE; flag = '4'; hash = rdev; }
          case 0010000 -> { kind = LayerEntry.Kind.FIFO; flag = '6'; }
          case 0100000 -> {
            kind = LayerEntry.Kind.FILE;
            flag = '0';
            size = (Long) u.get("size");
            sha.reset();
            try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
              for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
              }
            }
            hash = first8(sha.digest());
            if ((Integer) u.get("nlink") > 1) {
              links.add(u.get("dev") + ":" + u.get("ino"),
                  new LayerEntry(rel, rel, kind, size, mode & 07777, uid, gid, link, hash, flag));
              return;
            }
          }
          default -> {
            return; // sockets: not part of an image
          }
        }
        tree.add(new LayerEntry(rel, rel, kind, size, mode & 07777, uid, gid, link, hash, flag));
      }
    });
    links.addTo(tree, sha);
    return tree;
  }

  /**
   * The names of each multiply-linked regular file. The tar writers of images (Docker, buildkit, umoci, GNU tar
   * on sorted input) walk a directory in name order, write the first name they meet as the file and each later
   * one as a hard link to it; here the first name in that order becomes the file and the others hard links, so a
   * layer read from the store gives the same sizes and efficiency as its tar.
   */
  private static final class HardLinks {
    private final Map<String, java.util.List<LayerEntry>> byInode = new java.util.HashMap<>();

    void add(String inode, LayerEntry e) {
      byInode.computeIfAbsent(inode, k -> new java.util.ArrayList<>()).add(e);
    }

    void addTo(LayerTree tree, MessageDigest sha) {
      for (java.util.List<LayerEntry> names : byInode.values()) {
        names.sort((a, b) -> walkOrder(a.path(), b.path()));
        LayerEntry first = names.get(0);
        tree.add(first);
        sha.reset();
        long hash = first8(sha.digest(dev.lamina.sys.FileNames.encode(first.path())));
        for (LayerEntry e : names.subList(1, names.size())) {
          tree.add(new LayerEntry(e.path(), e.tarName(), LayerEntry.Kind.HARDLINK, 0, e.mode(), e.uid(), e.gid(),
              first.path(), hash, (byte) '1'));
        }
      }
    }

    /** Depth-first name order: component by component, so "a/b" comes before "a-c" as in a directory walk. */
    static int walkOrder(String a, String b) {
      String[] x = a.split("/");
      String[] y = b.split("/");
      for (int i = 0; i < Math.min(x.length, y.length); i++) {
        int c = java.util.Arrays.compareUnsigned(
            dev.lamina.sys.FileNames.encode(x[i]), dev.lamina.sys.FileNames.encode(y[i]));
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(x.length, y.length);
    }
  }

  private static String whiteoutName(String rel) {
    String parent = LayerScanner.parentOf(rel);
    String name = rel.substring(parent.isEmpty() ? 0 : parent.length() + 1);
    return (parent.isEmpty() ? "" : parent + "/") + LayerScanner.WHITEOUT_PREFIX + name;
  }

  private static boolean isOpaque(Path d, Xattrs xattrs) throws IOException {
    if (Files.exists(d.resolve(LayerScanner.OPAQUE_MARKER), LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    for (String name : new String[] {"trusted.overlay.opaque", "user.overlay.opaque"}) {
      byte[] v = xattrs.get(d, name);
      if (v != null && v.length > 0 && v[0] == 'y') {
        return true;
      }
    }
    return false;
  }

  /** Reads a {@code user.} xattr with NIO (no native code); null for other namespaces or when absent. */
  public static byte[] userXattr(Path p, String name) {
    if (!name.startsWith("user.") || Files.isSymbolicLink(p)) {
      return null;
    }
    try {
      UserDefinedFileAttributeView view =
          Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      String bare = name.substring("user.".length());
      if (view == null || !view.list().contains(bare)) {
        return null;
      }
      ByteBuffer b = ByteBuffer.allocate(view.size(bare));
      view.read(bare, b);
      return b.array();
    } catch (IOException | UnsupportedOperationException e) {
      return null; // no user xattrs on this file system: nothing to read
    }
  }

  private static long first8(byte[] d) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (d[i] & 0xff);
    }
    return v;
  }
}
