package dev.lamina.layer;

import java.io.IOException;
import dev.lamina.sys.FileNames;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one place where untrusted tar names become host paths under a layer root. Names are cleaned lexically
 * ({@code ./} prefixes, {@code //}, leading {@code /} are dropped; {@code ..} is refused), and parents are
 * resolved component by component with lstat: a symlink or non-directory on the way is an error, so nothing
 * is ever followed out of the root (the guarantee of openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS).
 *
 * <p>Checking with lstat and then using the path is race free here because the layer root is a private
 * temporary directory that only this extraction writes to.
 */
final class SafePath {
  private final Path root;
  private final LayerLimits limits;
  /** Relative dirs known to be real directories (created or checked in this extraction). */
  private final Set<String> knownDirs = new HashSet<>();
  /** Implicitly created parent dirs: they get default metadata unless an entry names them later. */
  private final Set<Path> implicitDirs = new HashSet<>();

  SafePath(Path root, LayerLimits limits) {
    this.root = root;
    this.limits = limits;
  }

  Path root() {
    return root;
  }

  /** Splits an untrusted name into clean components; an empty list is the layer root itself. */
  List<String> components(String unsafeName) throws UnsafeEntryException {
    if (unsafeName.indexOf('\0') >= 0) {
      throw new UnsafeEntryException(unsafeName, "name contains a NUL byte");
    }
    int bytes = FileNames.encode(unsafeName).length;
    if (bytes > limits.maxPathBytes()) {
      throw new UnsafeEntryException(
          unsafeName, "name is " + bytes + " bytes, over the limit of " + limits.maxPathBytes() + " bytes");
    }
    List<String> out = new ArrayList<>();
    for (String c : unsafeName.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        throw new UnsafeEntryException(unsafeName, "name contains '..'; refusing to extract outside the layer");
      }
      int n = FileNames.encode(c).length;
      if (n > LayerLimits.NAME_MAX) {
        throw new UnsafeEntryException(
            unsafeName, "a name component is " + n + " bytes, over NAME_MAX (255); names are never truncated");
      }
      out.add(c);
    }
    return out;
  }

  /** The host path of clean components; only for paths whose parents were resolved with {@link #parent}. */
  Path join(List<String> comps) {
    Path p = root;
    for (String c : comps) {
      p = FileNames.resolve(p, c);
    }
    return p;
  }

  /**
   * Resolves the parent directory of {@code comps} (which must not be empty). Missing parents are created
   * with mode 0755 when {@code create}; returns null when a parent is missing and not created.
   *
   * @throws UnsafeEntryException when a parent is a symlink or not a directory
   */
  Path parent(String unsafeName, List<String> comps, boolean create) throws IOException {
    Path p = root;
    StringBuilder rel = new StringBuilder();
    for (int i = 0; i < comps.size() - 1; i++) {
      String c = comps.get(i);
      p = FileNames.resolve(p, c);
      if (rel.length() > 0) {
        rel.append('/');
      }
      rel.append(c);
      String key = rel.toString();
      if (knownDirs.contains(key)) {
        continue;
      }
      BasicFileAttributes a = lstat(p);
      if (a == null) {
        if (!create) {
          return null;
        }
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException e) {
          throw new IOException("mkdir " + p + ": appeared during extraction", e);
        }
        implicitDirs.add(p);
      } else if (a.isSymbolicLink()) {
        throw new UnsafeEntryException(
            unsafeName, "path component \"" + key + "\" is a symlink; refusing to follow it");
      } else if (!a.isDirectory()) {
        throw new NotADirectory(unsafeName, key);
      }
      knownDirs.add(key);
    }
    return p;
  }

  /** Resolves a hard-link target: an existing non-directory inside the layer, reached without symlinks. */
  Path linkTarget(String unsafeName, String unsafeTarget) throws IOException {
    List<String> comps;
    try {
      comps = components(unsafeTarget);
    } catch (UnsafeEntryException e) {
      throw new UnsafeEntryException(unsafeName, "hard link target \"" + UnsafeEntryException.printable(unsafeTarget) + "\": " + e.getMessage());
    }
    if (comps.isEmpty()) {
      throw new UnsafeEntryException(unsafeName, "hard link to the layer root");
    }
    Path dir;
    try {
      dir = parent(unsafeName, comps, false);
    } catch (NotADirectory e) {
      dir = null;
    }
    Path target = dir == null ? null : FileNames.resolve(dir, comps.get(comps.size() - 1));
    BasicFileAttributes a = target == null ? null : lstat(target);
    if (a == null) {
      throw new UnsafeEntryException(
          unsafeName, "hard link target \"" + UnsafeEntryException.printable(unsafeTarget) + "\" is not an earlier entry of this layer");
    }
    if (a.isDirectory()) {
      throw new UnsafeEntryException(unsafeName, "hard link to a directory");
    }
    return target;
  }

  /** Forgets cached directories after a directory was removed or replaced. */
  void invalidate() {
    knownDirs.clear();
  }

  void rememberDir(List<String> comps) {
    knownDirs.add(String.join("/", comps));
  }

  Set<Path> implicitDirs() {
    return implicitDirs;
  }

  static BasicFileAttributes lstat(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** A parent is a regular file or other non-directory (whiteouts below it are ignored, other entries fail). */
  static final class NotADirectory extends UnsafeEntryException {
    NotADirectory(String unsafeName, String component) {
      super(unsafeName, "path component \"" + component + "\" is not a directory");
    }
  }
}
