package dev.lamina.daemon;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Which lamina build a process runs: for a class path of one jar its size and modification time (a rebuild, an
 * upgrade by scripts/install or a copy over it changes them; one stat, so that every {@code lamina mount} can afford
 * it), otherwise the class path itself. A daemon serves the clients of its own build only (DaemonPaths): a client
 * of a new build gets a daemon of its own while the old one goes on serving its mounts. A daemon runs from a
 * private copy of its jar and is told its build ({@code -Dlamina.build}), since the copy's path is not the
 * original's.
 */
final class BuildId {
  private BuildId() {}

  /** This process's build: {@code lamina.build} when set (a daemon), else its class path's. */
  static String current() {
    String p = System.getProperty("lamina.build");
    return p != null && !p.isEmpty() ? p : of(System.getProperty("java.class.path", ""));
  }

  /** The build of a class path: {@code SIZE-MTIME} (base 36) of its one jar, or {@code cp-HASH} of the path. */
  static String of(String classPath) {
    Path jar = jar(classPath);
    if (jar != null) {
      try {
        BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
        return Long.toString(a.size(), 36) + "-" + Long.toString(a.lastModifiedTime().toMillis(), 36);
      } catch (IOException e) {
        // gone meanwhile: named by its path below
      }
    }
    return "cp-" + Integer.toHexString(classPath.hashCode());
  }

  /** The class path's one jar (absolute), or null: a class path of directories or of several entries. */
  static Path jar(String classPath) {
    if (classPath == null || classPath.isEmpty() || classPath.contains(File.pathSeparator)) {
      return null;
    }
    Path p = Path.of(classPath).toAbsolutePath().normalize();
    return Files.isRegularFile(p) ? p : null;
  }
}
