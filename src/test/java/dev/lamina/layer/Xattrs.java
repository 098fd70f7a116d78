package dev.lamina.layer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.concurrent.TimeUnit;

/** Reads xattrs in tests: user.* through java.nio, other namespaces through getfattr(1) from the attr package. */
final class Xattrs {
  private Xattrs() {}

  /** The value as text, or null when absent. */
  static String get(Path p, String name) throws IOException {
    if (name.startsWith("user.")) {
      UserDefinedFileAttributeView v =
          Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      String n = name.substring(5);
      if (!v.list().contains(n)) {
        return null;
      }
      ByteBuffer b = ByteBuffer.allocate(v.size(n));
      v.read(n, b);
      return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }
    Process pr = new ProcessBuilder("getfattr", "-h", "--only-values", "-n", name, p.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = pr.getInputStream().readAllBytes();
    try {
      pr.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return pr.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : null;
  }
}
