package dev.lamina.layer;

/** Normalises image names the way docker users type them: {@code busybox} = {@code docker.io/library/busybox:latest}. */
final class TagNames {
  private TagNames() {}

  /** {@code name:tag} with a default tag of latest and without the docker.io/library/ and localhost/ prefixes. */
  static String normalize(String name) {
    String n = name;
    int at = n.indexOf('@');
    if (at >= 0) {
      return n;
    }
    int slash = n.lastIndexOf('/');
    if (n.indexOf(':', slash + 1) < 0) {
      n = n + ":latest";
    }
    for (String p : new String[] {"docker.io/library/", "docker.io/", "index.docker.io/library/", "localhost/"}) {
      if (n.startsWith(p)) {
        n = n.substring(p.length());
        break;
      }
    }
    return n;
  }

  static boolean matches(String stored, String typed) {
    return normalize(stored).equals(normalize(typed));
  }
}
