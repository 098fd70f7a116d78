package dev.lamina.inspect;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds a layer tar in memory for tests: {@code tar().dir("etc").file("etc/passwd", 10).whiteout("tmp/x")}. */
final class LayerTarBuilder {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream out = new TarArchiveOutputStream(bytes);

  private LayerTarBuilder() {
    out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  static LayerTarBuilder tar() {
    return new LayerTarBuilder();
  }

  LayerTarBuilder dir(String name) {
    return dir(name, 0755, 0, 0);
  }

  LayerTarBuilder dir(String name, int mode, int uid, int gid) {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(040000 | mode);
    e.setIds(uid, gid);
    return put(e, null);
  }

  /** A file of {@code size} bytes filled with 'x'. */
  LayerTarBuilder file(String name, int size) {
    return file(name, "x".repeat(size), 0644, 0, 0);
  }

  LayerTarBuilder file(String name, String content) {
    return file(name, content, 0644, 0, 0);
  }

  LayerTarBuilder file(String name, String content, int mode, int uid, int gid) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    byte[] body = content.getBytes(StandardCharsets.UTF_8);
    e.setSize(body.length);
    e.setMode(0100000 | mode);
    e.setIds(uid, gid);
    return put(e, body);
  }

  LayerTarBuilder symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    e.setMode(0120777);
    return put(e, null);
  }

  LayerTarBuilder hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
    e.setLinkName(target);
    e.setMode(0100644);
    return put(e, null);
  }

  /** An OCI whiteout deleting {@code path} of the lower layers. */
  LayerTarBuilder whiteout(String path) {
    int slash = path.lastIndexOf('/');
    String name = slash < 0 ? ".wh." + path : path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
    return file(name, "");
  }

  /** An opaque marker on directory {@code dir}. */
  LayerTarBuilder opaque(String dir) {
    return file(dir.isEmpty() ? ".wh..wh..opq" : dir + "/.wh..wh..opq", "");
  }

  private LayerTarBuilder put(TarArchiveEntry e, byte[] body) {
    try {
      out.putArchiveEntry(e);
      if (body != null) {
        out.write(body);
      }
      out.closeArchiveEntry();
      return this;
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  byte[] bytes() {
    try {
      out.finish();
      return bytes.toByteArray();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /** Scans the tar into a tree. */
  LayerTree tree() {
    try {
      return new LayerScanner().scan(new ByteArrayInputStream(bytes()), "test layer");
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }
}
