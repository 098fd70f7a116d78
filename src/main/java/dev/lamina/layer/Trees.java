package dev.lamina.layer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Recursive removal of layer and container trees, without following symlinks. */
public final class Trees {
  private Trees() {}

  /**
   * Removes {@code p} and everything below it; a missing path is fine. Directories without write or search
   * permission for the owner (a layer may contain mode 0500 dirs) are made u+rwx first.
   */
  public static void deleteRecursively(Path p) throws IOException {
    BasicFileAttributes a = SafePath.lstat(p);
    if (a == null) {
      return;
    }
    if (a.isDirectory()) {
      // a layer may hold dirs like 0555: the owner needs write and search permission to empty them
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      if (!perms.containsAll(OWNER_RWX)) {
        makeOwnerWritable(p, perms);
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
        for (Path c : ds) {
          deleteRecursively(c);
        }
      }
    }
    try {
      Files.delete(p);
    } catch (NoSuchFileException e) {
      // removed concurrently: the goal is reached
    }
  }

  private static final Set<PosixFilePermission> OWNER_RWX =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

  private static void makeOwnerWritable(Path dir, Set<PosixFilePermission> perms) throws IOException {
    Set<PosixFilePermission> more = perms.isEmpty() ? EnumSet.noneOf(PosixFilePermission.class) : EnumSet.copyOf(perms);
    more.addAll(OWNER_RWX);
    Files.setPosixFilePermissions(dir, more);
  }
}
