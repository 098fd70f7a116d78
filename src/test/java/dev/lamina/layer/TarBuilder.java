package dev.lamina.layer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds a layer tar in memory, like containerd's tartest: {@code tar().dir("etc", 0755).symlink("../../etc",
 * "b/d1")}. Names are written exactly as given (absolute names and {@code ..} included).
 */
final class TarBuilder {
  static final FileTime T0 = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));

  private record Item(TarArchiveEntry entry, byte[] content) {}

  private final List<Item> items = new ArrayList<>();
  private int longFileMode = TarArchiveOutputStream.LONGFILE_POSIX;

  static TarBuilder tar() {
    return new TarBuilder();
  }

  /** Long names as GNU ././@LongLink entries instead of PAX path records. */
  TarBuilder gnuLongNames() {
    longFileMode = TarArchiveOutputStream.LONGFILE_GNU;
    return this;
  }

  private static TarArchiveEntry entry(String name, byte type) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setModTime(T0);
    e.setUserId(0);
    e.setGroupId(0);
    return e;
  }

  TarBuilder dir(String name, int mode) {
    TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
    e.setMode(mode);
    return add(e, new byte[0]);
  }

  TarBuilder file(String name, String content, int mode) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), mode);
  }

  TarBuilder file(String name, byte[] content, int mode) {
    TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL);
    e.setMode(mode);
    e.setSize(content.length);
    return add(e, content);
  }

  TarBuilder symlink(String target, String name) {
    TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK);
    e.setMode(0777);
    e.setLinkName(target);
    return add(e, new byte[0]);
  }

  /** A hard link named {@code name} to the earlier entry {@code target}. */
  TarBuilder link(String target, String name) {
    TarArchiveEntry e = entry(name, TarConstants.LF_LINK);
    e.setMode(0644);
    e.setLinkName(target);
    return add(e, new byte[0]);
  }

  TarBuilder charDev(String name, int major, int minor, int mode) {
    TarArchiveEntry e = entry(name, TarConstants.LF_CHR);
    e.setMode(mode);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return add(e, new byte[0]);
  }

  TarBuilder blockDev(String name, int major, int minor, int mode) {
    TarArchiveEntry e = entry(name, TarConstants.LF_BLK);
    e.setMode(mode);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return add(e, new byte[0]);
  }

  TarBuilder fifo(String name, int mode) {
    TarArchiveEntry e = entry(name, TarConstants.LF_FIFO);
    e.setMode(mode);
    return add(e, new byte[0]);
  }

  /** An OCI whiteout entry {@code DIR/.wh.NAME} for the path {@code name}, with mode 0 as some tools write. */
  TarBuilder whiteout(String name) {
    int slash = name.lastIndexOf('/');
    String wh = slash < 0 ? ".wh." + name : name.substring(0, slash + 1) + ".wh." + name.substring(slash + 1);
    return file(wh, "", 0);
  }

  TarBuilder opaque(String dir) {
    return file(dir.isEmpty() ? ".wh..wh..opq" : dir + "/.wh..wh..opq", "", 0);
  }

  /** Changes the entry added last (owner, mtime, PAX records, ...). */
  TarBuilder with(Consumer<TarArchiveEntry> change) {
    change.accept(items.get(items.size() - 1).entry());
    return this;
  }

  TarBuilder owner(int uid, int gid) {
    return with(e -> {
      e.setUserId(uid);
      e.setGroupId(gid);
    });
  }

  TarBuilder xattr(String name, String value) {
    return with(e -> e.addPaxHeader("SCHILY.xattr." + name, value));
  }

  private TarBuilder add(TarArchiveEntry e, byte[] content) {
    items.add(new Item(e, content));
    return this;
  }

  byte[] bytes() {
    try {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      try (TarArchiveOutputStream out = new TarArchiveOutputStream(bos, "UTF-8")) {
        out.setLongFileMode(longFileMode);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        out.setAddPaxHeadersForNonAsciiNames(true);
        for (Item i : items) {
          out.putArchiveEntry(i.entry());
          out.write(i.content());
          out.closeArchiveEntry();
        }
      }
      return bos.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  InputStream stream() {
    return new ByteArrayInputStream(bytes());
  }
}
