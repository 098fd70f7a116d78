package dev.lamina.image;

/** Docker-style image name matching: {@code busybox} = {@code docker.io/library/busybox:latest}. */
final class RefNames {
  private RefNames() {}

  /** Expands a short name the way docker does: registry docker.io, namespace library, tag latest. */
  static String normalise(String name) {
    String n = name;
    int at = n.indexOf('@');
    String digest = "";
    if (at >= 0) {
      digest = n.substring(at);
      n = n.substring(0, at);
    }
    int slash = n.indexOf('/');
    String first = slash < 0 ? "" : n.substring(0, slash);
    boolean hasRegistry = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
    if (!hasRegistry) {
      n = (slash < 0 ? "docker.io/library/" : "docker.io/") + n;
    }
    int lastSlash = n.lastIndexOf('/');
    if (digest.isEmpty() && n.indexOf(':', lastSlash) < 0) {
      n = n + ":latest";
    }
    return n + digest;
  }

  /** Whether a stored full name matches what the user typed (a full name, a short name, or a bare tag). */
  static boolean matches(String stored, String typed) {
    if (stored.equals(typed)) {
      return true;
    }
    if (!typed.contains(":") && !typed.contains("/") && stored.endsWith(":" + typed)) {
      return true; // a bare tag
    }
    if (normalise(stored).equals(normalise(typed))) {
      return true;
    }
    // podman's local lookup: a short name matches under any registry (localhost/example/busybox:1.0)
    return !hasRegistry(typed) && withoutRegistry(normalise(stored)).equals(withoutRegistry(normalise(typed)));
  }

  private static boolean hasRegistry(String name) {
    int slash = name.indexOf('/');
    if (slash < 0) {
      return false;
    }
    String first = name.substring(0, slash);
    return first.contains(".") || first.contains(":") || first.equals("localhost");
  }

  private static String withoutRegistry(String normalised) {
    String rest = normalised.substring(normalised.indexOf('/') + 1);
    return rest.startsWith("library/") ? rest.substring(8) : rest;
  }
}
