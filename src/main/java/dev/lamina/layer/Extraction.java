package dev.lamina.layer;

import dev.lamina.layer.ExtractOptions.Ownership;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import dev.lamina.sys.FileNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One run of the tar loop over one layer: per-entry dispatch, replacement rules, limits, deferred dir times. */
final class Extraction {
  private static final Logger LOG = LoggerFactory.getLogger(Extraction.class);
  private static final int BUFFER = 1 << 20;
  private static final Set<StandardOpenOption> CREATE_NEW =
      EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

  private final ExtractOptions opts;
  private final String what;
  private final SafePath safe;
  private final EntryMetadata meta;
  private final boolean flat;
  /** Paths this layer created; with a flat apply, whiteouts must not remove them (OCI: lower layers only). */
  private final Set<Path> created = new HashSet<>();
  private final List<EntryMetadata.DirTimes> dirTimes = new ArrayList<>();
  private final byte[] buf = new byte[BUFFER];
  private long entries;
  private long bytes;
  private long whiteouts;
  private long opaques;

  Extraction(Path root, ExtractOptions opts, String what) throws IOException {
    this.opts = opts;
    this.what = what;
    this.safe = new SafePath(root, opts.limits());
    this.meta = new EntryMetadata(root, opts);
    this.flat = !opts.whiteouts().keepsMarkers();
  }

  LayerStats run(InputStream in) throws IOException {
    TarReader tar = new TarReader(new BufferedInputStream(in, 1 << 16), what);
    TarHeader e;
    while ((e = tar.next()) != null) {
      if (++entries > opts.limits().maxEntries()) {
        throw new UnsafeEntryException(
            e.name(), "the layer has more than " + opts.limits().maxEntries() + " entries (the configured limit)");
      }
      entry(tar, e);
    }
    // Directory times last: creating entries inside a directory changes its mtime.
    for (int i = dirTimes.size() - 1; i >= 0; i--) {
      meta.applyTimes(dirTimes.get(i));
    }
    return new LayerStats(entries, bytes, whiteouts, opaques);
  }

  private void entry(TarReader tar, TarHeader e) throws IOException {
    String unsafeName = e.name();
    List<String> comps = safe.components(unsafeName);
    if (comps.isEmpty()) {
      root(e, unsafeName);
      return;
    }
    String last = comps.get(comps.size() - 1);
    if (last.startsWith(WhiteoutFormat.WH_PREFIX)) {
      whiteoutEntry(unsafeName, comps, last);
      return;
    }
    if (e.type() == '3' && e.devMajor() == 0 && e.devMinor() == 0) {
      // overlay-form whiteout inside a tar (docker export of an overlay2 upper dir): same meaning as .wh.NAME
      whiteoutNamed(unsafeName, comps, last);
      return;
    }
    Path dir = safe.parent(unsafeName, comps, true);
    Path p = FileNames.resolve(dir, last);
    switch (kind(e)) {
      case DIR -> directory(e, comps, p);
      case SYMLINK -> symlink(e, unsafeName, p);
      case HARDLINK -> hardLink(e, unsafeName, p);
      case DEVICE -> device(e, unsafeName, p);
      case FIFO -> fifo(e, p);
      case REGULAR -> regular(tar, e, unsafeName, p);
      default -> {
        LOG.warn("skipping tar entry \"{}\" of unsupported type '{}'", UnsafeEntryException.printable(unsafeName), (char) e.type());
        return;
      }
    }
    if (flat) {
      created.add(p);
    }
  }

  enum Kind { DIR, REGULAR, SYMLINK, HARDLINK, DEVICE, FIFO, OTHER }

  /**
   * The entry type from its type flag. commons-compress's isDirectory() also says yes for any name ending in
   * "/", which would let a symlink named "x/" pass for a directory; only the pre-POSIX type 0 means that.
   */
  static Kind kind(TarHeader e) {
    byte f = e.type();
    return switch (f) {
      case '5' -> Kind.DIR;
      case 0 -> e.name().endsWith("/") ? Kind.DIR : Kind.REGULAR;
      case '0', '7' -> Kind.REGULAR;
      case '2' -> Kind.SYMLINK;
      case '1' -> Kind.HARDLINK;
      case '3', '4' -> Kind.DEVICE;
      case '6' -> Kind.FIFO;
      default -> Kind.OTHER;
    };
  }

  private void root(TarHeader e, String unsafeName) throws IOException {
    if (kind(e) != Kind.DIR) {
      throw new UnsafeEntryException(unsafeName, "refusing to change the type of the layer root directory");
    }
    meta.apply(e, safe.root(), OverrideStat.S_IFDIR, unsafeName);
    dirTimes.add(meta.times(e, safe.root()));
  }

  private void directory(TarHeader e, List<String> comps, Path p) throws IOException {
    BasicFileAttributes a = SafePath.lstat(p);
    if (a == null || !a.isDirectory()) {
      if (a != null) {
        Files.delete(p);
      }
      Files.createDirectory(p);
    }
    safe.rememberDir(comps);
    meta.apply(e, p, OverrideStat.S_IFDIR, e.name());
    dirTimes.add(meta.times(e, p));
  }

  private void regular(TarReader tar, TarHeader e, String unsafeName, Path p) throws IOException {
    long size = e.size();
    InputStream body = tar.body();
    if (bytes + size > opts.limits().maxBytes()) {
      throw new UnsafeEntryException(
          unsafeName, "the layer expands to more than " + opts.limits().maxBytes() + " bytes (the configured limit)");
    }
    try (FileChannel ch = createNew(p)) {
      long left = size;
      while (true) {
        int n = body.read(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
          write(ch, bb, p);
        }
        left -= n;
        bytes += n;
        opts.progress().accept(n);
      }
      if (left != 0) {
        throw new UnsafeEntryException(unsafeName, "content is " + (size - left) + " bytes, the header says " + size);
      }
    }
    meta.apply(e, p, OverrideStat.S_IFREG, unsafeName);
    meta.applyTimes(meta.times(e, p));
  }

  /** A write whose failure (ENOSPC, EDQUOT, EIO) names the operation and the file: FileChannel's names neither. */
  private static void write(FileChannel ch, ByteBuffer bb, Path p) throws IOException {
    try {
      ch.write(bb);
    } catch (IOException e) {
      throw new IOException("write " + p + ": " + e.getMessage()
          + " (while extracting a layer into the store; free space on that filesystem, or use a store elsewhere"
          + " with --root DIR)", e);
    }
  }

  /** Creates a new file, replacing whatever non-directory or directory the name had (never following it). */
  private FileChannel createNew(Path p) throws IOException {
    try {
      return FileChannel.open(p, CREATE_NEW);
    } catch (FileAlreadyExistsException ex) {
      removeExisting(p);
      return FileChannel.open(p, CREATE_NEW);
    }
  }

  private void removeExisting(Path p) throws IOException {
    BasicFileAttributes a = SafePath.lstat(p);
    if (a == null) {
      return;
    }
    if (a.isDirectory()) {
      Trees.deleteRecursively(p);
      safe.invalidate();
    } else {
      Files.delete(p);
    }
  }

  private void symlink(TarHeader e, String unsafeName, Path p) throws IOException {
    String target = e.linkName();
    if (target.isEmpty() || target.indexOf('\0') >= 0 || FileNames.encode(target).length > 4095) {
      throw new UnsafeEntryException(unsafeName, "symlink target is empty, too long or contains NUL");
    }
    removeExisting(p);
    // The target is stored as text and never followed by lamina, so any value is safe to store.
    opts.ops().symlink(target, p);
    meta.apply(e, p, OverrideStat.S_IFLNK, unsafeName);
    meta.applyTimes(meta.times(e, p));
  }

  private void hardLink(TarHeader e, String unsafeName, Path p) throws IOException {
    Path target = safe.linkTarget(unsafeName, e.linkName());
    if (target.equals(p)) {
      return; // a link to itself: nothing to do
    }
    removeExisting(p);
    Files.createLink(p, target);
    // metadata belongs to the shared inode, set by the entry that created it
  }

  private void device(TarHeader e, String unsafeName, Path p) throws IOException {
    // Never a real node, even as root: an image must not plant a raw disk or memory device on the host.
    int type = e.type() == '3' ? OverrideStat.S_IFCHR : OverrideStat.S_IFBLK;
    createNew(p).close();
    meta.recordSpecial(e, p, type, unsafeName);
    meta.applyTimes(meta.times(e, p));
  }

  private void fifo(TarHeader e, Path p) throws IOException {
    removeExisting(p);
    if (opts.ownership() == Ownership.CHOWN) {
      opts.ops().mknod(p, OverrideStat.S_IFIFO | 0600, 0);
      meta.apply(e, p, OverrideStat.S_IFIFO, e.name());
    } else {
      // user.* xattrs are not allowed on fifos: keep a regular file that carries the fifo's stat
      createNew(p).close();
      meta.recordSpecial(e, p, OverrideStat.S_IFIFO, e.name());
    }
    meta.applyTimes(meta.times(e, p));
  }

  private void whiteoutEntry(String unsafeName, List<String> comps, String last) throws IOException {
    if (last.equals(WhiteoutFormat.OPAQUE)) {
      Path dir = whiteoutParent(unsafeName, comps);
      if (dir == null) {
        return;
      }
      opaques++;
      if (flat) {
        clearLowerEntries(dir);
      } else {
        opts.whiteouts().opaque(opts.ops(), dir);
      }
      return;
    }
    if (last.startsWith(WhiteoutFormat.WH_PREFIX + WhiteoutFormat.WH_PREFIX)) {
      LOG.debug("ignoring whiteout metadata entry {}", unsafeName); // aufs .wh..wh.plnk and friends
      return;
    }
    String name = last.substring(WhiteoutFormat.WH_PREFIX.length());
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw new UnsafeEntryException(unsafeName, "whiteout of \"" + name + "\" would remove outside its directory");
    }
    List<String> target = new ArrayList<>(comps);
    target.set(target.size() - 1, name);
    whiteoutNamed(unsafeName, target, name);
  }

  private void whiteoutNamed(String unsafeName, List<String> comps, String name) throws IOException {
    Path dir = whiteoutParent(unsafeName, comps);
    if (dir == null) {
      return;
    }
    whiteouts++;
    Path p = FileNames.resolve(dir, name);
    if (flat && createdHere(p)) {
      return; // hides lower layers only
    }
    opts.whiteouts().whiteout(opts.ops(), dir, name);
    if (flat) {
      safe.invalidate();
    }
  }

  /**
   * The directory a whiteout lives in, or null when it should be ignored: its parent is a file made by this
   * layer (as umoci and podman do), or, for a flat apply, the parent does not exist.
   */
  private Path whiteoutParent(String unsafeName, List<String> comps) throws IOException {
    try {
      return safe.parent(unsafeName, comps, !flat);
    } catch (SafePath.NotADirectory nd) {
      LOG.debug("ignoring whiteout {} below a non-directory", unsafeName);
      return null;
    }
  }

  private boolean createdHere(Path p) {
    return created.contains(p) || safe.implicitDirs().contains(p);
  }

  private void clearLowerEntries(Path dir) throws IOException {
    try (var ds = Files.newDirectoryStream(dir)) {
      for (Path c : ds) {
        if (!createdHere(c)) {
          Trees.deleteRecursively(c);
        }
      }
    }
    safe.invalidate();
  }
}
