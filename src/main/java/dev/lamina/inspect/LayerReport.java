package dev.lamina.inspect;

import java.util.List;
import java.util.Locale;

/** The text report of {@code lamina layers REF}: the layer table, then size, efficiency, waste and top files. */
public final class LayerReport {
  private LayerReport() {}

  /** The whole report; {@code top} limits the wasted-files list, {@code mode} picks the efficiency rules. */
  public static String render(LayerAnalysis a, Efficiency.Mode mode, int top) {
    StringBuilder out = new StringBuilder();
    out.append("Image: ").append(a.imageName()).append('\n');
    out.append(String.format("%4s  %-12s  %9s  %s%n", "#", "Digest", "Size", "Command"));
    for (LayerInfo l : a.layers()) {
      long size = a.trees().get(l.index()).sizeBytes();
      out.append(String.format("%4d  %-12s  %9s  %s%n", l.index(), l.shortId(), LayerBytes.human(size),
          l.commandLine().isEmpty() ? "(no history)" : l.commandLine()));
    }
    EfficiencyResult eff = a.efficiency(mode);
    EfficiencyResult other = a.efficiency(mode == Efficiency.Mode.DIVE ? Efficiency.Mode.LAMINA
        : Efficiency.Mode.DIVE);
    out.append('\n');
    out.append(String.format("Image size:      %s (%d bytes)%n", LayerBytes.human(a.sizeBytes()), a.sizeBytes()));
    out.append(String.format(Locale.ROOT, "Efficiency:      %s%s%n", percent(eff.score()),
        other.score() == eff.score() ? "" : "  (" + (mode == Efficiency.Mode.DIVE ? "lamina rules: "
            : "dive's algorithm: ") + percent(other.score()) + ")"));
    out.append(String.format("Wasted bytes:    %s (%d bytes)%s%n", LayerBytes.human(eff.wastedBytes()),
        eff.wastedBytes(), other.wastedBytes() == eff.wastedBytes() ? ""
            : "  (" + (mode == Efficiency.Mode.DIVE ? "lamina rules: " : "dive's algorithm: ")
                + other.wastedBytes() + " bytes)"));
    out.append(String.format(Locale.ROOT, "User wasted:     %s of %s added after the base layer%n",
        a.userSizeBytes() == 0 ? "0.00 %" : percent(a.wastedUserRatio(mode)), LayerBytes.human(a.userSizeBytes())));
    List<EfficiencyPath> files = eff.inefficient();
    out.append('\n');
    if (files.isEmpty()) {
      out.append("Wasted files: none\n");
    } else {
      out.append(String.format("Top wasted files (%d of %d):%n", Math.min(top, files.size()), files.size()));
      out.append(String.format("  %-5s  %-12s  %s%n", "Count", "Wasted Space", "File Path"));
      for (EfficiencyPath p : files.subList(0, Math.min(top, files.size()))) {
        out.append(String.format("  %-5d  %-12s  %s%n", p.count(), LayerBytes.human(p.cumulativeSize()),
            dev.lamina.sys.FileNames.printable(p.path())));
      }
    }
    for (String w : a.warnings()) {
      out.append("warning: ").append(w).append('\n');
    }
    return out.toString();
  }

  /** The header line of a per-layer listing. */
  public static String layerHeader(LayerAnalysis a, int index) {
    LayerInfo l = a.layers().get(index);
    return String.format("Layer %d of %d  %s  %s  %s%n", index, a.layers().size(), l.shortId(),
        LayerBytes.human(a.trees().get(index).sizeBytes()),
        l.commandLine().isEmpty() ? "(no history)" : l.commandLine());
  }

  /** "99.99 %"; a ratio just below 1 keeps enough digits not to read as a perfect "100.00 %". */
  public static String percent(double ratio) {
    String p = String.format(Locale.ROOT, "%.2f", ratio * 100);
    if (ratio < 1 && p.equals("100.00")) {
      p = String.format(Locale.ROOT, "%.4f", Math.min(ratio * 100, 99.9999));
    }
    return p + " %";
  }
}
