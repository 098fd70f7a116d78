package dev.lamina.inspect;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import dev.lamina.layer.TarHeader;
import dev.lamina.layer.TarReader;
import dev.lamina.sys.FileNames;

/**
 * Reads one layer's uncompressed tar once, hashing file contents on the fly, into a {@link LayerTree}. Contents are
 * streamed through a fixed buffer and never kept, so memory grows with the number of entries only.
 */
public final class LayerScanner {
  static final String WHITEOUT_PREFIX = ".wh.";
  static final String OPAQUE_MARKER = ".wh..wh..opq";

  private final byte[] buffer = new byte[64 * 1024];
  private final MessageDigest sha;

  public LayerScanner() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Scans a whole tar stream (the caller closes it); {@code what} names the layer in error messages. */
  public LayerTree scan(InputStream tar, String what) throws IOException {
    LayerTree tree = new LayerTree();
    // the tar stream is not closed here: it belongs to the caller, who may verify a digest at its end
    TarReader in = new TarReader(new NonClosing(tar), what);
    TarHeader te;
    try {
      while ((te = in.next()) != null) {
        LayerEntry e = toEntry(te, in.body(), tree);
        if (e != null) {
          tree.add(e);
        }
      }
      // drain the padding so a verifying stream sees every byte of the blob
      while (tar.read(buffer) >= 0) {
        // nothing: trailing zero blocks
      }
    } catch (TarReader.TarFormatException e) {
      throw e; // names the layer and the entry's offset already
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("reading the tar of " + what + " failed: " + e.getMessage()
          + " (is the layer a valid, uncompressed tar?)", e);
    }
    return tree;
  }

  private LayerEntry toEntry(TarHeader te, InputStream body, LayerTree tree) throws IOException {
    String unsafeName = te.name();
    String path = cleanPath(unsafeName);
    if (path == null) {
      tree.warn("skipped tar entry " + FileNames.printable(unsafeName) + ": it climbs out of the root with '..'");
      return null;
    }
    if (path.isEmpty()) {
      return null; // "./" itself: the root directory carries nothing dive shows
    }
    String parent = parentOf(path);
    String base = path.substring(parent.isEmpty() ? 0 : parent.length() + 1);
    LayerEntry.Kind kind = kindOf(te);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base.equals(OPAQUE_MARKER)) {
        return new LayerEntry(parent, path, LayerEntry.Kind.OPAQUE, te.size(), te.mode() & 07777,
            te.uid(), te.gid(), "", 0, te.type());
      }
      if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
        return null; // other aufs metadata (.wh..wh.plnk, ...): not part of the file system, dive skips them too
      }
      String hidden = base.substring(WHITEOUT_PREFIX.length());
      return new LayerEntry(parent.isEmpty() ? hidden : parent + "/" + hidden, path, LayerEntry.Kind.WHITEOUT,
          te.size(), te.mode() & 07777, te.uid(), te.gid(), "", 0, te.type());
    }
    long hash = switch (kind) {
      case FILE -> hashBody(body);
      case SYMLINK, HARDLINK -> hashBytes(FileNames.encode(te.linkName()));
      case CHAR_DEVICE, BLOCK_DEVICE -> ((long) te.devMajor() << 32) | (te.devMinor() & 0xffffffffL);
      default -> 0;
    };
    return new LayerEntry(path, path, kind, te.size(), te.mode() & 07777, te.uid(),
        te.gid(), te.isSymlink() || te.isHardLink() ? te.linkName() : "", hash, te.type());
  }

  private static LayerEntry.Kind kindOf(TarHeader te) {
    if (te.isDirectory()) {
      return LayerEntry.Kind.DIR;
    } else if (te.isSymlink()) {
      return LayerEntry.Kind.SYMLINK;
    } else if (te.isHardLink()) {
      return LayerEntry.Kind.HARDLINK;
    } else if (te.isCharDevice()) {
      return LayerEntry.Kind.CHAR_DEVICE;
    } else if (te.isBlockDevice()) {
      return LayerEntry.Kind.BLOCK_DEVICE;
    } else if (te.isFifo()) {
      return LayerEntry.Kind.FIFO;
    }
    return LayerEntry.Kind.FILE;
  }

  private long hashBody(InputStream body) throws IOException {
    sha.reset();
    int n;
    while ((n = body.read(buffer)) > 0) {
      sha.update(buffer, 0, n);
    }
    return firstLong(sha.digest());
  }

  private long hashBytes(byte[] bytes) {
    sha.reset();
    return firstLong(sha.digest(bytes));
  }

  private static long firstLong(byte[] d) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (d[i] & 0xff);
    }
    return v;
  }

  /**
   * Normalises a tar name: drops leading "/" and "./", empty and "." components, resolves ".." (like path.Clean
   * rooted at "/"). Returns null when ".." would climb above the root, "" for the root itself.
   */
  static String cleanPath(String unsafeName) {
    Deque<String> parts = new ArrayDeque<>();
    for (String p : unsafeName.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.removeLast();
      } else {
        parts.addLast(p);
      }
    }
    return String.join("/", parts);
  }

  static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  /** Keeps the tar reader from closing the caller's stream. */
  private static final class NonClosing extends java.io.FilterInputStream {
    NonClosing(InputStream in) {
      super(in);
    }

    @Override
    public void close() {
      // the caller owns the stream
    }
  }
}
