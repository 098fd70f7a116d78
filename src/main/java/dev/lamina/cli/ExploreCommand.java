package dev.lamina.cli;

import dev.lamina.image.Image;
import dev.lamina.image.Platform;
import dev.lamina.inspect.LayerAnalysis;
import dev.lamina.inspect.LayerImages;
import dev.lamina.inspect.tui.ExploreTui;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lamina explore REF}: the interactive two-panel layer explorer (like dive). */
@Command(
    name = "explore",
    mixinStandardHelpOptions = true,
    description = {
      "Browse an image's layers in the terminal: layers on the left, the selected layer's files on the right",
      "(A added, M modified, R removed). Keys: Tab switch panel, Up/Down move, Space/Enter/Left/Right fold,",
      "/ filter by name, u hide unmodified, a per-layer/aggregated view, q or Ctrl-C quit."
    })
public final class ExploreCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin StoreOptions store;

  @Parameters(index = "0", paramLabel = "REF", description = "Image reference, as for `lamina layers`.")
  String ref;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platform of a multi-platform image.")
  String platform;

  @Override
  public Integer call() throws Exception {
    if (System.console() == null) {
      throw new UserError("lamina explore needs a terminal (stdin and stdout a tty); for scripts use "
          + "`lamina layers " + ref + "` or `--json`");
    }
    LayerAnalysis a;
    try (Image img = LayerRefs.open(ref, platform == null ? null : Platform.parse(platform), store)) {
      a = LayerImages.analyze(img, ref, LayerXattrs.host());
    }
    if (a.layers().isEmpty()) {
      throw new UserError(ref + " has no layers: there is nothing to explore");
    }
    ExploreTui.run(a);
    return 0;
  }
}
