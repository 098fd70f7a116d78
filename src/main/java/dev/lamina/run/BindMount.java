package dev.lamina.run;

import java.nio.file.Path;

/** A {@code -v HOST:CONTAINER[:ro]} bind mount: a host path made visible at a path inside the container. */
public record BindMount(Path host, String container, boolean readOnly) {

  public BindMount {
    if (!host.isAbsolute()) {
      throw new IllegalArgumentException("bind mount source must be absolute: " + host);
    }
    if (!container.startsWith("/")) {
      throw new IllegalArgumentException("bind mount target must be an absolute path: " + container);
    }
  }

  /** Parses docker's {@code HOST:CONTAINER[:ro|rw]}; a relative HOST is taken from {@code cwd}. */
  public static BindMount parse(String spec, Path cwd) {
    String[] parts = spec.split(":", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "bad volume '" + spec + "': expected HOST:CONTAINER or HOST:CONTAINER:ro");
    }
    boolean ro = false;
    if (parts.length == 3) {
      switch (parts[2]) {
        case "ro" -> ro = true;
        case "rw" -> ro = false;
        default -> throw new IllegalArgumentException(
            "bad volume '" + spec + "': mode must be ro or rw, not '" + parts[2] + "'");
      }
    }
    if (!parts[1].startsWith("/")) {
      throw new IllegalArgumentException(
          "bad volume '" + spec + "': the container path must be absolute");
    }
    return new BindMount(cwd.resolve(parts[0]).normalize(), parts[1], ro);
  }
}
