package dev.lamina.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an image is, in the skopeo/podman transport syntax:
 *
 * <ul>
 *   <li>{@code oci:DIR[:TAG]} an OCI image layout directory
 *   <li>{@code oci-archive:FILE[:TAG]} a tar of an OCI image layout
 *   <li>{@code docker-archive:FILE[:NAME:TAG|:@N]} {@code docker save} output (classic or Docker 25+)
 *   <li>{@code dir:DIR} a Docker v2 schema 2 (or OCI) manifest with its blobs, as {@code skopeo copy dir:} writes
 *   <li>{@code docker-store:[ROOT]IMAGE} an image in Docker's overlay2 store (ROOT defaults to /var/lib/docker,
 *       or rootless Docker's ~/.local/share/docker for other users)
 *   <li>{@code containers-storage:[ROOT]IMAGE} an image in podman/buildah's overlay store (ROOT defaults to
 *       /var/lib/containers/storage, or ~/.local/share/containers/storage for other users, as podman does)
 *   <li>anything else: a name in lamina's own store ({@code NAME[:TAG]} or an id prefix), resolved by the layer store
 * </ul>
 *
 * A bare path to an existing directory or file is recognised from its contents (an OCI layout, a dir: image, an OCI
 * or docker archive), so {@code lamina inspect ./img} works without a transport.
 */
public sealed interface ImageReference {
  Path DEFAULT_DOCKER_ROOT = Path.of("/var/lib/docker");
  Path DEFAULT_CONTAINERS_ROOT = Path.of("/var/lib/containers/storage");

  /** The transport prefix (oci, docker-archive, ...), or "lamina" for a store name. */
  String transport();

  /** {@code oci:DIR[:TAG]}; tag null means "the only image in the layout". */
  record Oci(Path dir, String tag) implements ImageReference {
    public String transport() {
      return "oci";
    }

    @Override
    public String toString() {
      return "oci:" + dir + (tag == null ? "" : ":" + tag);
    }
  }

  /** {@code oci-archive:FILE[:TAG]}. */
  record OciArchive(Path file, String tag) implements ImageReference {
    public String transport() {
      return "oci-archive";
    }

    @Override
    public String toString() {
      return "oci-archive:" + file + (tag == null ? "" : ":" + tag);
    }
  }

  /** {@code docker-archive:FILE[:NAME:TAG]} or {@code docker-archive:FILE:@N} (the N-th image, from 0). */
  record DockerArchive(Path file, String name) implements ImageReference {
    public String transport() {
      return "docker-archive";
    }

    @Override
    public String toString() {
      return "docker-archive:" + file + (name == null ? "" : ":" + name);
    }
  }

  /** {@code dir:DIR}. */
  record Dir(Path dir) implements ImageReference {
    public String transport() {
      return "dir";
    }

    @Override
    public String toString() {
      return "dir:" + dir;
    }
  }

  /** {@code docker-store:[ROOT]IMAGE}; IMAGE is NAME[:TAG] or an id (prefix); null means the only image. */
  record DockerStore(Path root, String image) implements ImageReference {
    public String transport() {
      return "docker-store";
    }

    @Override
    public String toString() {
      return "docker-store:[" + root + "]" + (image == null ? "" : image);
    }
  }

  /** {@code containers-storage:[ROOT]IMAGE}; IMAGE is NAME[:TAG] or an id (prefix); null means the only image. */
  record ContainersStorage(Path root, String image) implements ImageReference {
    public String transport() {
      return "containers-storage";
    }

    @Override
    public String toString() {
      return "containers-storage:[" + root + "]" + (image == null ? "" : image);
    }
  }

  /** A name or id (prefix) in lamina's own store; the layer store resolves it. */
  record StoreName(String name) implements ImageReference {
    public String transport() {
      return "lamina";
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * Parses a reference. Throws IllegalArgumentException with a message naming the text and the accepted forms when
   * it is malformed.
   */
  static ImageReference parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty image reference: " + FORMS);
    }
    int colon = text.indexOf(':');
    String transport = colon < 0 ? "" : text.substring(0, colon);
    String rest = colon < 0 ? "" : text.substring(colon + 1);
    switch (transport) {
      case "oci", "oci-archive", "docker-archive" -> {
        int c = rest.indexOf(':');
        String path = c < 0 ? rest : rest.substring(0, c);
        String tag = c < 0 || c == rest.length() - 1 ? null : rest.substring(c + 1);
        if (path.isEmpty()) {
          throw new IllegalArgumentException("'" + text + "' names no path: expected " + transport + ":PATH[:TAG]");
        }
        Path p = Path.of(path);
        return switch (transport) {
          case "oci" -> new Oci(p, tag);
          case "oci-archive" -> new OciArchive(p, tag);
          default -> new DockerArchive(p, tag);
        };
      }
      case "dir" -> {
        if (rest.isEmpty()) {
          throw new IllegalArgumentException("'" + text + "' names no directory: expected dir:DIR");
        }
        return new Dir(Path.of(rest));
      }
      case "docker-store", "containers-storage" -> {
        Path root = defaultStoreRoot(transport, System.getenv(), System.getProperty("user.name"),
            System.getProperty("user.home"));
        String image = rest;
        if (rest.startsWith("[")) {
          int close = rest.indexOf(']');
          if (close < 0) {
            throw new IllegalArgumentException("'" + text + "' has '[' without ']': expected " + transport
                + ":[ROOT]IMAGE");
          }
          root = storeRoot(rest.substring(1, close), text);
          image = rest.substring(close + 1);
        }
        image = image.isEmpty() ? null : image;
        return transport.equals("docker-store") ? new DockerStore(root, image) : new ContainersStorage(root, image);
      }
      case "docker" -> {
        if (rest.startsWith("//")) {
          throw new IllegalArgumentException("'" + text + "' is in a registry, and lamina does not pull: copy it first, "
              + "e.g. skopeo copy " + text + " oci:DIR:TAG, then use oci:DIR:TAG");
        }
        return detect(text);
      }
      case "docker-daemon" -> throw new IllegalArgumentException(
          "'" + text + "' asks the Docker daemon, which lamina does not talk to: read its store directly with "
              + "docker-store:" + rest + " (as root), or docker save it and use docker-archive:FILE");
      case "ostree", "sif", "tarball" -> throw new IllegalArgumentException(
          "lamina does not read the " + transport + ": transport; convert the image first, e.g. skopeo copy "
              + text + " oci:DIR:TAG");
      default -> {
        return detect(text);
      }
    }
  }

  /**
   * Where docker and podman keep their stores for this user: /var/lib/docker and /var/lib/containers/storage for
   * root; for other users the rootless locations, {@code $XDG_DATA_HOME/docker} and
   * {@code $XDG_DATA_HOME/containers/storage} ({@code ~/.local/share/...}).
   */
  static Path defaultStoreRoot(String transport, java.util.Map<String, String> env, String user, String home) {
    boolean docker = transport.equals("docker-store");
    if ("root".equals(user)) {
      return docker ? DEFAULT_DOCKER_ROOT : DEFAULT_CONTAINERS_ROOT;
    }
    String xdg = env.get("XDG_DATA_HOME");
    Path data = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".local", "share");
    return docker ? data.resolve("docker") : data.resolve("containers/storage");
  }

  /** The root inside [..]: accepts skopeo's {@code [driver@root+runroot]} form, keeping only the root. */
  private static Path storeRoot(String inside, String text) {
    String s = inside;
    int at = s.indexOf('@');
    if (at >= 0) {
      String driver = s.substring(0, at);
      if (!driver.equals("overlay") && !driver.equals("overlay2")) {
        throw new IllegalArgumentException(
            "'" + text + "' asks for the storage driver '" + driver + "'; lamina reads only overlay stores");
      }
      s = s.substring(at + 1);
    }
    int plus = s.indexOf('+');
    if (plus >= 0) {
      s = s.substring(0, plus);
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' has an empty store root in [...]");
    }
    return Path.of(s);
  }

  String FORMS =
      "expected oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME:TAG], dir:DIR, "
          + "docker-store:[ROOT]IMAGE, containers-storage:[ROOT]IMAGE, a path to one of those, or a NAME[:TAG] "
          + "or id loaded with 'lamina load'";

  /** A reference without a known transport: an existing path is recognised by content, anything else is a name. */
  private static ImageReference detect(String text) {
    Path p = Path.of(text);
    boolean looksLikePath = text.startsWith("/") || text.startsWith("./") || text.startsWith("../");
    if (!Files.exists(p)) {
      if (looksLikePath) {
        throw new IllegalArgumentException(text + " does not exist: " + FORMS);
      }
      return new StoreName(text);
    }
    if (Files.isDirectory(p)) {
      if (Files.isRegularFile(p.resolve("oci-layout"))) {
        return new Oci(p, null);
      }
      if (Files.isRegularFile(p.resolve("manifest.json"))) {
        return new Dir(p);
      }
      throw new IllegalArgumentException(
          text + " is a directory but neither an OCI layout (no oci-layout file) nor a dir: image (no manifest.json)");
    }
    try (TarTree tree = new TarTree(p)) {
      if (tree.exists("manifest.json")) {
        return new DockerArchive(p, null);
      }
      if (tree.exists("oci-layout")) {
        return new OciArchive(p, null);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(text + " is a file but not a readable image archive: " + e.getMessage());
    }
    throw new IllegalArgumentException(
        text + " is a tar archive without manifest.json or oci-layout, so it is not an image archive");
  }
}
