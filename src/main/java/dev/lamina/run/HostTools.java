package dev.lamina.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The host programs a run needs, found on PATH: util-linux's unshare and setpriv, coreutils' env, /bin/sh, and
 * optionally shadow's newuidmap/newgidmap (setuid helpers that write a subordinate range into the maps).
 */
public record HostTools(
    Path unshare, Path setpriv, Path env, Path sh, Optional<Path> newuidmap, Optional<Path> newgidmap) {

  /** Finds the tools, or says which is missing and which package provides it. */
  public static HostTools find() throws RunException {
    return new HostTools(
        require("unshare", "util-linux"),
        require("setpriv", "util-linux"),
        require("env", "coreutils"),
        Path.of("/bin/sh"),
        which("newuidmap"),
        which("newgidmap"));
  }

  private static Path require(String name, String pkg) throws RunException {
    return which(name)
        .orElseThrow(
            () -> new RunException(name + " is not installed (not on PATH); lamina run needs it: install " + pkg));
  }

  static Optional<Path> which(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + ":/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
