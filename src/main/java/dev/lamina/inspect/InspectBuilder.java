package dev.lamina.inspect;

import dev.lamina.image.Image;
import dev.lamina.image.Layer;
import dev.lamina.layer.ContainerInfo;
import dev.lamina.layer.LayerInfo;
import dev.lamina.layer.LayerStore;
import dev.lamina.layer.StoredImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link DockerInspect} of an image, with what lamina's store knows about it when it is loaded there:
 * the layers' recorded sizes, their diff dirs as {@code GraphDriver.Data.LowerDir}, and a container of the image
 * (a mounted one first) as {@code UpperDir}/{@code WorkDir}/{@code MergedDir}.
 */
public final class InspectBuilder {
  private InspectBuilder() {}

  /** @param store lamina's store, or null when there is none (nothing is loaded then) */
  public static DockerInspect of(Image image, LayerStore store) throws IOException {
    return of(image, store, true);
  }

  /**
   * @param store lamina's store, or null when there is none (nothing is loaded then)
   * @param withSize false to skip measuring Size (reported as -1), which streams every layer not in a store
   */
  public static DockerInspect of(Image image, LayerStore store, boolean withSize) throws IOException {
    StoredImage stored = store == null ? null : store.find(image.id());
    if (stored == null) {
      long size = withSize ? InspectSize.of(image) : -1;
      return DockerInspect.of(image, size,
          InspectGraphDriver.data(InspectGraphDriver.extractedDirs(image), null, null, null));
    }
    long size = withSize ? InspectSize.of(image, l -> recordedSize(store, l)) : -1;
    List<Path> lower = store.lowerDirs(stored);
    Path upper = null;
    Path work = null;
    Path merged = null;
    ContainerInfo c = store.containers().list().stream()
        .filter(ci -> ci.imageId().equals(stored.id()))
        .min(Comparator.comparing((ContainerInfo ci) -> ci.mountpoint() == null).thenComparing(ContainerInfo::name))
        .orElse(null);
    if (c != null) {
      upper = store.containers().upperDir(c.name());
      work = store.containers().workDir(c.name());
      merged = c.mountpoint() == null ? null : Path.of(c.mountpoint());
    }
    Map<String, String> gd = InspectGraphDriver.data(lower, upper, work, merged);
    if (stored.usesLayersInPlace()) {
      // some LowerDir entries are another engine's diff dirs, not lamina's: they go when that engine removes them
      gd.put("InPlaceFrom", stored.source());
    }
    return DockerInspect.of(image, size, gd);
  }

  private static long recordedSize(LayerStore store, Layer l) {
    try {
      LayerInfo info = store.layerInfo(l.diffId().toString());
      return info == null ? -1 : info.size();
    } catch (IOException e) {
      return -1; // measured instead
    }
  }
}
