package dev.lamina.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path inside a container root as the kernel would after chroot: symlinks are followed, but ".." and
 * absolute link targets stop at the root, so an image cannot point lamina at a host file (like SecureJoin).
 */
final class RootPath {
  private static final int MAX_LINKS = 255;

  private RootPath() {}

  /** The host path of {@code unsafePath} inside {@code root}; missing components are appended as they are. */
  static Path resolve(Path root, String unsafePath) throws RunException {
    Deque<String> todo = new ArrayDeque<>(components(unsafePath));
    List<String> done = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.removeFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (!done.isEmpty()) {
          done.remove(done.size() - 1);
        }
        continue;
      }
      Path candidate = join(root, done).resolve(c);
      if (Files.isSymbolicLink(candidate)) {
        if (++links > MAX_LINKS) {
          throw new RunException("too many symbolic links resolving " + unsafePath + " in " + root);
        }
        String target;
        try {
          target = Files.readSymbolicLink(candidate).toString();
        } catch (IOException e) {
          throw new RunException("cannot read link " + candidate + ": " + e.getMessage(), e);
        }
        if (target.startsWith("/")) {
          done.clear();
        }
        List<String> parts = components(target);
        for (int i = parts.size() - 1; i >= 0; i--) {
          todo.addFirst(parts.get(i));
        }
        continue;
      }
      done.add(c);
    }
    return join(root, done);
  }

  private static List<String> components(String p) {
    return List.of(p.split("/"));
  }

  private static Path join(Path root, List<String> parts) {
    Path p = root;
    for (String s : parts) {
      p = p.resolve(s);
    }
    return p;
  }
}
