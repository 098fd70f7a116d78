package dev.lamina.inspect;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Everything the explorer knows about an image: per layer its tree and its changes against the layers below, and
 * the image's efficiency by our rules and by dive's. Built by streaming each layer's tar once.
 */
public final class LayerAnalysis {
  /** Opens the uncompressed tar of layer {@code index}; the analysis closes it. */
  @FunctionalInterface
  public interface TarOpener {
    InputStream open(int index) throws IOException;
  }

  private final String imageName;
  private final List<LayerInfo> layers;
  private final List<LayerTree> trees;
  private final List<List<LayerChange>> changes;
  private final List<String> warnings;
  private final EfficiencyResult efficiency;
  private final EfficiencyResult diveEfficiency;

  private LayerAnalysis(String imageName, List<LayerInfo> layers, List<LayerTree> trees,
      List<List<LayerChange>> changes, List<String> warnings) {
    this.imageName = imageName;
    this.layers = List.copyOf(layers);
    this.trees = List.copyOf(trees);
    this.changes = List.copyOf(changes);
    this.efficiency = Efficiency.of(trees, Efficiency.Mode.LAMINA);
    this.diveEfficiency = Efficiency.of(trees, Efficiency.Mode.DIVE);
    this.warnings = Collections.unmodifiableList(warnings);
  }

  /** Reads every layer's tar (through {@code opener}) and analyses the image. */
  public static LayerAnalysis analyze(String imageName, List<LayerInfo> layers, TarOpener opener)
      throws IOException {
    LayerScanner scanner = new LayerScanner();
    List<LayerTree> trees = new ArrayList<>(layers.size());
    for (LayerInfo info : layers) {
      try (InputStream in = opener.open(info.index())) {
        trees.add(scanner.scan(in, "layer " + info.index() + " (" + info.digest() + ")"));
      }
    }
    return of(imageName, layers, trees);
  }

  /** Analyses layers whose trees are already built. */
  public static LayerAnalysis of(String imageName, List<LayerInfo> layers, List<LayerTree> trees) {
    if (layers.size() != trees.size()) {
      throw new IllegalArgumentException(layers.size() + " layers but " + trees.size() + " trees");
    }
    List<String> warnings = new ArrayList<>();
    List<List<LayerChange>> changes = new ArrayList<>(trees.size());
    LayerAggregate agg = new LayerAggregate(LayerAggregate.Rules.OCI);
    for (int i = 0; i < trees.size(); i++) {
      List<String> w = new ArrayList<>();
      changes.add(List.copyOf(LayerDiff.of(trees.get(i), agg, w)));
      for (String s : trees.get(i).warnings()) {
        warnings.add("layer " + i + ": " + s);
      }
      for (String s : w) {
        warnings.add("layer " + i + ": " + s);
      }
      agg.apply(trees.get(i));
    }
    return new LayerAnalysis(imageName, layers, trees, changes, warnings);
  }

  public String imageName() {
    return imageName;
  }

  public List<LayerInfo> layers() {
    return layers;
  }

  public List<LayerTree> trees() {
    return trees;
  }

  /** Changes of layer {@code index} against the layers below it, in path order. */
  public List<LayerChange> changes(int index) {
    return changes.get(index);
  }

  /** The merged view of layers 0..index. */
  public LayerAggregate aggregate(int index) {
    return LayerAggregate.upTo(trees, index);
  }

  /** Efficiency by our rules (opaque directories and directory deletes counted). */
  public EfficiencyResult efficiency() {
    return efficiency;
  }

  /** Efficiency exactly as dive computes it. */
  public EfficiencyResult diveEfficiency() {
    return diveEfficiency;
  }

  public EfficiencyResult efficiency(Efficiency.Mode mode) {
    return mode == Efficiency.Mode.DIVE ? diveEfficiency : efficiency;
  }

  /** Problems met while reading (skipped entries, whiteouts of missing paths). */
  public List<String> warnings() {
    return warnings;
  }

  /** Dive's image size: the sum of the layers' tar entry sizes. */
  public long sizeBytes() {
    long sum = 0;
    for (LayerTree t : trees) {
      sum += t.sizeBytes();
    }
    return sum;
  }

  /** Dive's "user" size: all layers but the base one. */
  public long userSizeBytes() {
    return sizeBytes() - (trees.isEmpty() ? 0 : trees.get(0).sizeBytes());
  }

  /** Wasted bytes relative to the user size, as dive's highestUserWastedPercent rule reads it (a ratio). */
  public double wastedUserRatio(Efficiency.Mode mode) {
    return (double) efficiency(mode).wastedBytes() / (double) userSizeBytes();
  }
}
