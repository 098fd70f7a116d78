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

/**
 * An image's {@code Size} as podman reports it: the sum of its layers' uncompressed tar sizes. Stores record it;
 * for a tar blob it is measured by streaming the layer (which also verifies its digests).
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
    try (LayerTarStream in = ((Layer.Blob) l).openTar()) {
      in.transferTo(OutputStream.nullOutputStream());
      return in.tarBytesRead();
    }
  }

  /** The bytes of the regular files under a dir (docker's measure of an extracted layer). */
  private static long fileBytes(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .mapToLong(p -> {
            try {
              return Files.size(p);
            } catch (IOException e) {
              return 0;
            }
          })
          .sum();
    }
  }
}
