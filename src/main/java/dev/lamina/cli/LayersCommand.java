package dev.lamina.cli;

import dev.lamina.image.Image;
import dev.lamina.image.Platform;
import dev.lamina.inspect.DiveCiRules;
import dev.lamina.inspect.DiveJson;
import dev.lamina.inspect.Efficiency;
import dev.lamina.inspect.LayerAnalysis;
import dev.lamina.inspect.LayerImages;
import dev.lamina.inspect.LayerListing;
import dev.lamina.inspect.LayerReport;
import dev.lamina.inspect.LayerRow;
import dev.lamina.inspect.LayerTarExport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lamina layers REF}: what each layer adds, changes and removes, and how much space the image wastes. */
@Command(
    name = "layers",
    mixinStandardHelpOptions = true,
    description = {
      "Show the layers of an image (like dive): a table of layers with size and command, the image size,",
      "efficiency score and wasted bytes; or what one layer adds (A), modifies (M) and removes (R).",
      "Efficiency counts opaque directories and directory deletes; --dive-compat gives dive's exact numbers.",
      "Layers are numbered from 0 (the base layer), as in dive and in load's progress."
    })
public final class LayersCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @picocli.CommandLine.Mixin StoreOptions store;

  @Parameters(index = "0", paramLabel = "REF", description = "Image reference (oci:DIR[:TAG], oci-archive:FILE, "
      + "docker-archive:FILE, dir:DIR, docker-store:NAME, containers-storage:NAME, or a path).")
  String ref;

  @Option(names = "--layer", paramLabel = "N", description = "Show what layer N adds, modifies and removes (0 is the base layer).")
  Integer layer;

  @Option(names = "--tree", description = "With --layer: show the paths as a tree.")
  boolean tree;

  @Option(names = "--aggregate", description = "With --layer: show the merged view of layers 0..N, marked with N's "
      + "changes.")
  boolean aggregate;

  @Option(names = "--all", description = "With --layer: also list entries the layer re-emits unchanged.")
  boolean all;

  @Option(names = "--sort", paramLabel = "name|size", description = "Order of --layer listings (default: name).")
  String sort = "name";

  @Option(names = "--top", paramLabel = "N", description = "How many wasted files to list (default: 10).")
  int top = 10;

  @Option(names = "--json", description = "Print dive's JSON export instead of text.")
  boolean json;

  @Option(names = "--dive-compat", description = "Compute efficiency exactly as dive does (ignores opaque "
      + "directories, counts nothing of a deleted directory as wasted).")
  boolean diveCompat;

  @Option(names = "--ci", description = "Evaluate dive's CI rules; exit 1 when one fails. Reads --ci-config, or "
      + ".dive-ci in the current directory when present.")
  boolean ci;

  @Option(names = "--ci-config", paramLabel = "FILE", description = "Dive CI rules file (YAML, .dive-ci format).")
  Path ciConfig;

  @Option(names = {"--lowest-efficiency", "--lowestEfficiency", "--lowest_efficiency"}, paramLabel = "RATIO",
      description = "CI rule: fail below this efficiency (0-1, default 0.9; 'disabled' turns it off).")
  String lowestEfficiency;

  @Option(names = {"--highest-wasted-bytes", "--highestWastedBytes", "--highest_wasted_bytes"}, paramLabel = "SIZE",
      description = "CI rule: fail above this many wasted bytes (e.g. 20MB; default disabled).")
  String highestWastedBytes;

  @Option(names = {"--highest-user-wasted-percent", "--highestUserWastedPercent",
      "--highest_user_wasted_percent"}, paramLabel = "RATIO",
      description = "CI rule: fail when wasted bytes exceed this ratio of the bytes added after the base layer "
          + "(0-1, default 0.1).")
  String highestUserWastedPercent;

  @Option(names = "--extract", paramLabel = "PATH", description = "With --layer: copy PATH (a file or a directory) "
      + "as layer N has it into --output.")
  String extract;

  @Option(names = "--output", paramLabel = "DIR", description = "Where --extract writes (default: current directory).")
  Path output = Path.of(".");

  @Option(names = "--export-layer", arity = "2", paramLabel = "N FILE",
      description = "Write layer N's uncompressed tar to FILE ('-' for standard output); 0 is the base layer.")
  List<String> exportLayer;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Pick a platform of a multi-platform"
      + " image (default: the host's).")
  String platform;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try {
      return run(out);
    } finally {
      out.flush();
    }
  }

  private int run(PrintWriter out) throws Exception {
    Efficiency.Mode mode = diveCompat ? Efficiency.Mode.DIVE : Efficiency.Mode.LAMINA;
    DiveCiRules rules = ci ? ciRules() : null;
    try (Image img = LayerRefs.open(ref, platform == null ? null : Platform.parse(platform), store)) {
      if (exportLayer != null) {
        int n = layerIndex(img, exportLayer.get(0));
        long bytes = LayerTarExport.export(img, n, exportLayer.get(1));
        if (!exportLayer.get(1).equals("-")) {
          out.printf("wrote layer %d (%d bytes of tar) to %s%n", n, bytes, exportLayer.get(1));
        }
        return 0;
      }
      if (extract != null) {
        if (layer == null) {
          throw new UserError("--extract needs --layer N: which layer to copy " + extract + " from");
        }
        checkLayer(img, layer);
        int count = LayerTarExport.extract(img, layer, extract, output);
        out.printf("extracted %d entries of %s from layer %d into %s%n", count, extract, layer, output);
        return 0;
      }
      LayerAnalysis a = LayerImages.analyze(img, ref, LayerXattrs.host());
      if (layer != null) {
        checkLayer(img, layer);
      }
      if (json) {
        out.print(DiveJson.render(a, mode));
      } else if (layer != null) {
        out.print(LayerReport.layerHeader(a, layer));
        List<LayerRow> rows = aggregate
            ? LayerRow.ofAggregate(a.aggregate(layer), a.changes(layer))
            : LayerRow.ofChanges(a.changes(layer), all);
        out.print(LayerListing.render(rows, tree, sortOrder()));
        out.println(LayerListing.summary(a.changes(layer)));
      } else if (!ci) {
        out.print(LayerReport.render(a, mode, top));
      }
      if (rules != null) {
        List<DiveCiRules.Result> results = rules.evaluate(a, mode);
        out.print(DiveCiRules.report(a, mode, results));
        out.flush();
        return DiveCiRules.passed(results) ? 0 : 1;
      }
      return 0;
    }
  }

  private DiveCiRules ciRules() throws IOException {
    DiveCiRules rules = new DiveCiRules();
    Path file = ciConfig;
    if (file == null && Files.isRegularFile(Path.of(".dive-ci"))) {
      file = Path.of(".dive-ci");
    }
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new UserError("CI config " + file + " does not exist (give a .dive-ci style YAML file)");
      }
      try {
        rules.load(file);
      } catch (DiveCiRules.ConfigException e) {
        throw new UserError("CI config " + e.getMessage());
      }
    }
    if (lowestEfficiency != null) {
      rules.set(DiveCiRules.LOWEST_EFFICIENCY, lowestEfficiency);
    }
    if (highestWastedBytes != null) {
      rules.set(DiveCiRules.HIGHEST_WASTED_BYTES, highestWastedBytes);
    }
    if (highestUserWastedPercent != null) {
      rules.set(DiveCiRules.HIGHEST_USER_WASTED_PERCENT, highestUserWastedPercent);
    }
    try {
      rules.validate();
    } catch (IllegalArgumentException e) {
      throw new UserError("CI rules" + (file == null ? "" : " in " + file) + ": " + e.getMessage());
    }
    return rules;
  }

  private LayerListing.Sort sortOrder() {
    return switch (sort.toLowerCase(java.util.Locale.ROOT)) {
      case "name" -> LayerListing.Sort.NAME;
      case "size" -> LayerListing.Sort.SIZE;
      default -> throw new UserError("--sort takes name or size, not '" + sort + "'");
    };
  }

  private static int layerIndex(Image img, String text) {
    int n;
    try {
      n = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new UserError("--export-layer takes a layer number and a file, not '" + text + "'");
    }
    checkLayer(img, n);
    return n;
  }

  private static void checkLayer(Image img, int n) {
    if (n < 0 || n >= img.layers().size()) {
      throw new UserError("layer " + n + " does not exist: " + img.reference() + " has layers 0.."
          + (img.layers().size() - 1));
    }
  }
}
