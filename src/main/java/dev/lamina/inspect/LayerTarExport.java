package dev.lamina.inspect;

import dev.lamina.image.Image;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import dev.lamina.layer.TarHeader;
import dev.lamina.layer.TarReader;
import dev.lamina.sys.FileNames;

/**
 * Gets files out of one layer: the whole uncompressed tar ({@code --export-layer}) or the entries at and below one
 * path ({@code --extract}), streamed, never held in memory.
 */
public final class LayerTarExport {
  private LayerTarExport() {}

  /** Copies layer {@code index}'s uncompressed tar to {@code file} ("-" = stdout); returns the bytes written. */
  public static long export(Image img, int index, String file) throws IOException {
    try (InputStream in = LayerImages.openTar(img, index)) {
      if (file.equals("-")) {
        long n = in.transferTo(System.out);
        System.out.flush();
        return n;
      }
      Path target = Path.of(file);
      Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".lamina-export", ".tar");
      try {
        try (OutputStream out = Files.newOutputStream(tmp)) {
          in.transferTo(out);
        }
        // the stream verified the diff id at its end, so the file appears only once it is known to be right
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        return Files.size(target);
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * Writes the entries of layer {@code index} at or below {@code unsafePath} under {@code outDir}, keeping their
   * relative paths. Files, directories and symlinks are written (modes kept, owners not); whiteouts, devices and
   * hardlinks to paths outside the selection are skipped. Returns the number of entries written.
   */
  public static int extract(Image img, int index, String unsafePath, Path outDir) throws IOException {
    String want = LayerScanner.cleanPath(unsafePath);
    if (want == null) {
      throw new IOException("--extract " + unsafePath + ": the path climbs out of the root");
    }
    Files.createDirectories(outDir);
    int count = 0;
    try (InputStream raw = LayerImages.openTar(img, index)) {
      TarReader tar = new TarReader(raw, "layer " + index + " of " + img.reference());
      for (TarHeader e; (e = tar.next()) != null; ) {
        String path = LayerScanner.cleanPath(e.name());
        if (path == null || path.isEmpty() || !(want.isEmpty() || path.equals(want) || path.startsWith(want + "/"))) {
          continue;
        }
        String base = path.substring(path.lastIndexOf('/') + 1);
        if (base.startsWith(LayerScanner.WHITEOUT_PREFIX)) {
          continue;
        }
        Path target = FileNames.resolve(outDir, path);
        ensureNoSymlinkParents(outDir, path);
        Files.createDirectories(target.getParent());
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else if (e.isSymlink()) {
          Files.deleteIfExists(target);
          new dev.lamina.layer.SysNodeOps().symlink(e.linkName(), target); // the target's bytes, as the tar has them
          count++;
          continue;
        } else if (e.isHardLink()) {
          String linked = LayerScanner.cleanPath(e.linkName());
          Path source = linked == null ? null : FileNames.resolve(outDir, linked);
          if (source == null || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            continue; // its target was not extracted
          }
          Files.deleteIfExists(target);
          Files.createLink(target, source);
        } else if (e.isFile()) {
          Files.copy(tar.body(), target, StandardCopyOption.REPLACE_EXISTING);
        } else {
          continue; // devices and fifos need privileges and are of no use as extracted files
        }
        Files.setPosixFilePermissions(target, permissions(e.mode()));
        count++;
      }
      raw.transferTo(OutputStream.nullOutputStream()); // let the stream verify its digest
    }
    if (count == 0) {
      throw new IOException("layer " + index + " of " + img.reference() + " has no entry /" + want
          + " (use --layer N with the layer that adds or changes it; `lamina layers REF --layer N` lists them)");
    }
    return count;
  }

  /** Refuses to write through a symlink an earlier entry of the same tar created (a path breakout). */
  private static void ensureNoSymlinkParents(Path outDir, String path) throws IOException {
    Path p = outDir;
    String[] parts = path.split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      p = FileNames.resolve(p, parts[i]);
      if (Files.isSymbolicLink(p)) {
        throw new FileAlreadyExistsException(p.toString(), null,
            "refusing to extract /" + path + " through the symlink the layer put at " + p);
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        s.add(all[i]);
      }
    }
    return s;
  }
}
