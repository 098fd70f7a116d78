package dev.lamina.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link FileTree} over a tar archive ({@code oci-archive:}, {@code docker-archive:}) read in place: the headers are
 * indexed once, then each file is read straight from its offset in the archive through its own channel, so several
 * blobs can be streamed at once and nothing is extracted. A compressed archive ({@code docker save | gzip}) has no
 * random access, so it is decompressed once into a temporary file that is deleted on close. Symbolic and hard links
 * inside the archive (skopeo's {@code <id>/layer.tar -> ../<diff_id>.tar}) are followed within the archive.
 */
final class TarTree implements FileTree {
  private static final Logger LOG = LoggerFactory.getLogger(TarTree.class);
  private static final int MAX_LINK_HOPS = 16;

  private record Entry(long offset, long size, String linkTarget, boolean hardLink) {}

  private final Path archive;
  private final Path data; // the archive itself, or its decompressed temporary copy
  private final Map<String, Entry> entries = new HashMap<>();

  TarTree(Path archive) throws IOException {
    this.archive = archive;
    if (!Files.isRegularFile(archive)) {
      throw new ImageException(archive + " does not exist or is not a file: expected a tar archive");
    }
    Compression c;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive))) {
      c = Compression.detect(in);
    }
    if (c == Compression.NONE) {
      data = archive;
    } else {
      data = spool(archive);
    }
    try (TarFile tar = new TarFile(data)) {
      for (TarArchiveEntry e : tar.getEntries()) {
        String name = normalise(e.getName());
        if (e.isSymbolicLink() || e.isLink()) {
          entries.put(name, new Entry(-1, 0, e.getLinkName(), e.isLink()));
        } else if (e.isFile() && !e.isSparse()) {
          entries.put(name, new Entry(e.getDataOffset(), e.getSize(), null, false));
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      close();
      throw new ImageException(archive + " is not a readable tar archive: " + e.getMessage(), e);
    }
  }

  private static Path spool(Path archive) throws IOException {
    Path tmp = Files.createTempFile("lamina-archive-", ".tar");
    LOG.debug("decompressing {} into {} for random access", archive, tmp);
    try (InputStream in = Compression.decompress(Files.newInputStream(archive), "archive " + archive);
        OutputStream out = Files.newOutputStream(tmp)) {
      in.transferTo(out);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw new ImageException("cannot decompress " + archive + ": " + e.getMessage(), e);
    }
    return tmp;
  }

  private static String normalise(String name) {
    String n = name;
    while (n.startsWith("./") || n.startsWith("/")) {
      n = n.substring(n.startsWith("/") ? 1 : 2);
    }
    return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
  }

  @Override
  public String describe() {
    return "archive " + archive;
  }

  /** Follows links inside the archive; null when the path (or a link's target) is absent. */
  private Entry find(String path) throws ImageException {
    String p = FileTree.clean(path, describe());
    for (int hop = 0; hop < MAX_LINK_HOPS; hop++) {
      Entry e = entries.get(p);
      if (e == null || e.linkTarget == null) {
        return e;
      }
      String target = e.linkTarget;
      if (!e.hardLink && !target.startsWith("/")) {
        int slash = p.lastIndexOf('/');
        target = (slash < 0 ? "" : p.substring(0, slash + 1)) + target;
      }
      p = resolveDots(normalise(target), path);
    }
    throw new ImageException(path + " in " + describe() + " is a loop of links");
  }

  private String resolveDots(String p, String origin) throws ImageException {
    java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
    for (String part : p.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          throw new ImageException(origin + " in " + describe() + " is a link that leaves the archive");
        }
        parts.removeLast();
      } else {
        parts.addLast(part);
      }
    }
    return String.join("/", parts);
  }

  private Entry require(String path) throws IOException {
    Entry e = find(path);
    if (e == null) {
      throw new ImageException(
          path + " is missing from " + describe() + ": the archive is incomplete or not in the expected format");
    }
    return e;
  }

  @Override
  public boolean exists(String path) throws IOException {
    return find(path) != null;
  }

  @Override
  public long size(String path) throws IOException {
    return require(path).size;
  }

  @Override
  public InputStream open(String path) throws IOException {
    Entry e = require(path);
    FileChannel ch;
    try {
      ch = FileChannel.open(data, StandardOpenOption.READ);
    } catch (NoSuchFileException ex) {
      throw new ImageException(archive + " disappeared while being read");
    }
    ch.position(e.offset);
    return new BoundedInputStream(Channels.newInputStream(ch), e.size);
  }

  @Override
  public void close() throws IOException {
    if (data != null && !data.equals(archive)) {
      Files.deleteIfExists(data);
    }
  }

  /** Reads at most {@code remaining} bytes, then reports end of stream; closing closes the channel. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long size) {
      this.in = in;
      this.remaining = size;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
