package dev.lamina.inspect;

import dev.lamina.image.Image;
import dev.lamina.image.Layer;
import dev.lamina.image.LayerTarStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import dev.lamina.layer.TarHeader;
import dev.lamina.layer.TarReader;

/**
 * An image's {@code Size} as docker reports it: the content bytes of the regular files of its layers (docker's
 * layerdb {@code size}, and what lamina's store records per layer). Stores record it; a tar blob is measured by
 * streaming the layer (which also verifies its digests), an extracted dir by walking it.
 */
public final class InspectSize {
  private InspectSize() {}

  /** The size, taking recorded layer sizes from {@code known} (return -1 for unknown) before measuring. */
  public static long of(Image image, ToLongFunction<Layer> known) throws IOException {
    long total = 0;
    for (Layer l : image.layers()) {
      long s = known.applyAsLong(l);
      if (s < 0) {
        s = measure(l);
      }
      total += s;
    }
    return total;
  }

  public static long of(Image image) throws IOException {
    return of(image, l -> -1);
  }

  private static long measure(Layer l) throws IOException {
    if (l instanceof Layer.DiffDir d) {
      return d.diffSize() >= 0 ? d.diffSize() : fileBytes(d.dir());
    }
    long bytes = 0;
    try (LayerTarStream in = ((Layer.Blob) l).openTar()) {
      TarReader tar = new TarReader(in, in.describe());
      for (TarHeader e; (e = tar.next()) != null; ) {
        if (e.isFile()) {
          bytes += e.size();
        }
      }
      in.transferTo(OutputStream.nullOutputStream());
    } // close verifies digests
    return bytes;
  }

  /** The bytes of the regular files under a dir, each hard-linked file once (as its tar counts it). */
  private static long fileBytes(Path dir) throws IOException {
    java.util.Set<Object> seen = new java.util.HashSet<>();
    try (Stream<Path> s = Files.walk(dir)) {
      return s.mapToLong(p -> {
            try {
              var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                  LinkOption.NOFOLLOW_LINKS);
              return a.isRegularFile() && seen.add(a.fileKey() == null ? p : a.fileKey()) ? a.size() : 0;
            } catch (IOException e) {
              return 0;
            }
          })
          .sum();
    }
  }
}
