package dev.lamina.inspect;

import dev.lamina.image.Image;
import dev.lamina.image.ImageConfig;
import dev.lamina.image.Layer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Connects the analysis to an opened {@link Image}: layer metadata from manifest and history, tars from blobs. */
public final class LayerImages {
  private LayerImages() {}

  /** The layers of {@code img} with their created_by (empty_layer history entries skipped), bottom first. */
  public static List<LayerInfo> infos(Image img) {
    List<LayerHistory.Item> items = new ArrayList<>();
    for (ImageConfig.History h : img.config().history()) {
      items.add(new LayerHistory.Item(h.createdBy(), h.emptyLayer()));
    }
    List<String> createdBy = LayerHistory.createdBy(items, img.layers().size());
    List<LayerInfo> out = new ArrayList<>();
    for (Layer l : img.layers()) {
      out.add(new LayerInfo(l.index(), l.descriptor().digest().toString(),
          l.diffId() == null ? "" : l.diffId().toString(), l.descriptor().size(), createdBy.get(l.index())));
    }
    return out;
  }

  /** Reads every layer once and analyses the image; {@code name} is how the user named it. */
  public static LayerAnalysis analyze(Image img, String name) throws IOException {
    return analyze(img, name, LayerDirScanner::userXattr);
  }

  /**
   * Like {@link #analyze(Image, String)}, reading the xattrs of extracted layer dirs (docker-store,
   * containers-storage) with {@code xattrs}, which can see {@code trusted.overlay.opaque}.
   */
  public static LayerAnalysis analyze(Image img, String name, LayerDirScanner.Xattrs xattrs) throws IOException {
    List<LayerInfo> infos = infos(img);
    List<LayerTree> trees = new ArrayList<>();
    LayerScanner scanner = new LayerScanner();
    for (Layer l : img.layers()) {
      if (l instanceof Layer.Blob b) {
        try (InputStream in = b.openTar()) {
          trees.add(scanner.scan(in, b.describe()));
        }
      } else if (l instanceof Layer.DiffDir d) {
        trees.add(LayerDirScanner.scan(d.dir(), xattrs));
      }
    }
    return LayerAnalysis.of(name, infos, trees);
  }

  /** Opens layer {@code index}'s uncompressed tar (for --export-layer and --extract); DiffDir layers have none. */
  public static InputStream openTar(Image img, int index) throws IOException {
    Layer l = img.layers().get(index);
    if (l instanceof Layer.Blob b) {
      return b.openTar();
    }
    throw new IOException("layer " + index + " of " + img.reference() + " is a directory in a container store ("
        + ((Layer.DiffDir) l).dir() + "), not a tar; copy files from that directory instead");
  }
}
