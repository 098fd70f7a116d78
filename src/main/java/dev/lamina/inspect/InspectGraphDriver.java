package dev.lamina.inspect;

import dev.lamina.image.Image;
import dev.lamina.image.Layer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code GraphDriver.Data} of docker inspect for lamina: {@code LowerDir} lists the image's layer dirs top first,
 * colon-separated, as overlayfs takes them; {@code UpperDir}, {@code WorkDir} and {@code MergedDir} are a
 * container's (null when none is given).
 */
public final class InspectGraphDriver {
  private InspectGraphDriver() {}

  /**
   * @param layerDirs the dir of each layer, bottom first (null entries or a null list: not extracted anywhere)
   */
  public static Map<String, String> data(List<Path> layerDirs, Path upper, Path work, Path merged) {
    Map<String, String> m = new LinkedHashMap<>();
    String lower = null;
    if (layerDirs != null && !layerDirs.isEmpty() && !layerDirs.contains(null)) {
      List<String> top = new ArrayList<>();
      layerDirs.forEach(p -> top.add(p.toString()));
      Collections.reverse(top);
      lower = String.join(":", top);
    }
    m.put("LowerDir", lower);
    m.put("MergedDir", merged == null ? null : merged.toString());
    m.put("UpperDir", upper == null ? null : upper.toString());
    m.put("WorkDir", work == null ? null : work.toString());
    return m;
  }

  /** The dirs of an image whose layers are all extracted (DiffDir), else null. */
  public static List<Path> extractedDirs(Image image) {
    List<Path> dirs = new ArrayList<>();
    for (Layer l : image.layers()) {
      if (!(l instanceof Layer.DiffDir d)) {
        return null;
      }
      dirs.add(d.dir());
    }
    return dirs;
  }
}
