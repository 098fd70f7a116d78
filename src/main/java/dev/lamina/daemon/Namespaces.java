package dev.lamina.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's mount and user namespaces ({@code mnt:[4026531840]}). The daemon mounts for a client only when
 * both are the same as its own: rootless podman and buildah run the mount program inside their own namespaces,
 * where a mount made by the daemon would not be seen (such clients mount in a process of their own).
 */
final class Namespaces {
  private Namespaces() {}

  static String mount() {
    return link("mnt");
  }

  static String user() {
    return link("user");
  }

  private static String link(String ns) {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/ns", ns)).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "unknown";
    }
  }
}
