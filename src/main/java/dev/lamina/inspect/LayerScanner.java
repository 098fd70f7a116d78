package dev.lamina.inspect;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

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
    TarArchiveInputStream in = new TarArchiveInputStream(new NonClosing(tar), StandardCharsets.UTF_8.name());
    TarArchiveEntry te;
    try {
      while ((te = in.getNextEntry()) != null) {
        LayerEntry e = toEntry(te, in, tree);
        if (e != null) {
          tree.add(e);
        }
      }
      // drain the padding so a verifying stream sees every byte of the blob
      while (tar.read(buffer) >= 0) {
        // nothing: trailing zero blocks
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("reading the tar of " + what + " failed: " + e.getMessage()
          + " (is the layer a valid, uncompressed tar?)", e);
    }
    return tree;
  }

  private LayerEntry toEntry(TarArchiveEntry te, InputStream body, LayerTree tree) throws IOException {
    String unsafeName = te.getName();
    String path = cleanPath(unsafeName);
    if (path == null) {
      tree.warn("skipped tar entry " + unsafeName + ": it climbs out of the root with '..'");
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
        return new LayerEntry(parent, path, LayerEntry.Kind.OPAQUE, te.getSize(), te.getMode() & 07777,
            te.getLongUserId(), te.getLongGroupId(), "", 0, te.getLinkFlag());
      }
      if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
        return null; // other aufs metadata (.wh..wh.plnk, ...): not part of the file system, dive skips them too
      }
      String hidden = base.substring(WHITEOUT_PREFIX.length());
      return new LayerEntry(parent.isEmpty() ? hidden : parent + "/" + hidden, path, LayerEntry.Kind.WHITEOUT,
          te.getSize(), te.getMode() & 07777, te.getLongUserId(), te.getLongGroupId(), "", 0, te.getLinkFlag());
    }
    long hash = switch (kind) {
      case FILE -> hashBody(body);
      case SYMLINK, HARDLINK -> hashBytes(te.getLinkName().getBytes(StandardCharsets.UTF_8));
      case CHAR_DEVICE, BLOCK_DEVICE -> ((long) te.getDevMajor() << 32) | (te.getDevMinor() & 0xffffffffL);
      default -> 0;
    };
    return new LayerEntry(path, path, kind, te.getSize(), te.getMode() & 07777, te.getLongUserId(),
        te.getLongGroupId(), te.isSymbolicLink() || te.isLink() ? te.getLinkName() : "", hash, te.getLinkFlag());
  }

  private static LayerEntry.Kind kindOf(TarArchiveEntry te) {
    if (te.isDirectory()) {
      return LayerEntry.Kind.DIR;
    } else if (te.isSymbolicLink()) {
      return LayerEntry.Kind.SYMLINK;
    } else if (te.isLink()) {
      return LayerEntry.Kind.HARDLINK;
    } else if (te.isCharacterDevice()) {
      return LayerEntry.Kind.CHAR_DEVICE;
    } else if (te.isBlockDevice()) {
      return LayerEntry.Kind.BLOCK_DEVICE;
    } else if (te.isFIFO()) {
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
