package dev.lamina.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where tests keep what is slow to build and safe to reuse across runs and clones (the Debian test image): this
 * user's {@code $XDG_CACHE_HOME/lamina-tests} (default {@code ~/.cache/lamina-tests}), created 0700. Never a
 * fixed path shared by users: another user's run can neither see nor break it.
 */
public final class TestCache {
  private TestCache() {}

  /** The cache directory of the user running the tests, created if needed. */
  public static Path dir() throws IOException {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg)
        : Path.of(System.getProperty("user.home")).resolve(".cache");
    Path d = base.resolve("lamina-tests");
    if (!Files.isDirectory(d)) {
      Files.createDirectories(base);
      try {
        Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // made by a run at the same time
      }
    }
    return d;
  }

  /** The first 12 hex digits of the SHA-256 of the files' contents: a cache entry per version of its recipe. */
  public static String hashOf(Path... files) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        md.update(Files.readAllBytes(f));
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
