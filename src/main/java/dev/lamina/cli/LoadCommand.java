package dev.lamina.cli;

import dev.lamina.image.Image;
import dev.lamina.image.ImageSource;
import dev.lamina.image.Platform;
import dev.lamina.layer.ActiveExtractions;
import dev.lamina.layer.LayerLimits;
import dev.lamina.layer.LayerStore;
import dev.lamina.layer.LoadListener;
import dev.lamina.layer.StoreImages;
import dev.lamina.layer.StoredImage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lamina load REF}: extracts an image's layers into the store (each once) and prints the image id. */
@Command(name = "load", description = {"Load an image into lamina's store and print its id.",
    "Progress numbers the layers from 0 (the base layer), as layers --layer does."})
public final class LoadCommand implements Callable<Integer> {
  @Mixin StoreOptions store;

  @Parameters(index = "0", paramLabel = "REF",
      description = "oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME:TAG], dir:DIR, "
          + "docker-store:[ROOT]IMAGE, containers-storage:[ROOT]IMAGE, or a path")
  String ref;

  @Option(names = {"-t", "--tag"}, paramLabel = "NAME[:TAG]", description = "Also name the image so (repeatable).")
  List<String> tags = List.of();

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platform to pick from a multi-platform image.")
  String platform;

  @Option(names = {"-q", "--quiet"}, description = "No progress output.")
  boolean quiet;

  @Option(names = "--max-layer-bytes", paramLabel = "N", description = "Refuse layers that expand to more bytes (default ${DEFAULT-VALUE}).")
  long maxBytes = LayerLimits.DEFAULT.maxBytes();

  @Option(names = "--max-layer-entries", paramLabel = "N", description = "Refuse layers with more entries (default ${DEFAULT-VALUE}).")
  long maxEntries = LayerLimits.DEFAULT.maxEntries();

  @Override
  public Integer call() throws Exception {
    LayerStore s = store.open();
    s = s.withOptions(s.options().withLimits(LayerLimits.DEFAULT.withMaxBytes(maxBytes).withMaxEntries(maxEntries)));
    Platform p = platform == null ? null : Platform.parse(platform);
    LoadListener progress = quiet ? LoadListener.NONE : ProgressBar.stderr();
    AtomicBoolean interrupted = new AtomicBoolean();
    Thread hook = new Thread(() -> onInterrupt(interrupted), "lamina-load-interrupted");
    Runtime.getRuntime().addShutdownHook(hook);
    try (Image img = StoreImages.resolver(s).open(ImageSource.parse(ref), p)) {
      StoredImage stored = s.load(img, tags, progress);
      System.out.println(stored.id());
    } catch (Exception e) {
      if (interrupted.get()) {
        // Ctrl-C: the hook says what happened; the JVM ends (130) once it is done, not with this error
        while (true) {
          try {
            Thread.sleep(Long.MAX_VALUE);
          } catch (InterruptedException ie) {
            // the hook interrupted us: keep waiting for the JVM to end
          }
        }
      }
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down: the hook runs
      }
    }
    return 0;
  }

  /** Ctrl-C (or a kill) during the load: stop the extraction, remove its partial layer, and say so. */
  private void onInterrupt(AtomicBoolean interrupted) {
    interrupted.set(true);
    List<String> stopped = ActiveExtractions.interruptAll(Duration.ofSeconds(20));
    System.err.println((System.console() != null ? "\n" : "") + "lamina load: interrupted: " + ref + " was not loaded"
        + (stopped.isEmpty() ? "" : "; the partial layer " + String.join(", ", stopped) + " was removed")
        + " (layers already extracted stay for the next load; lamina prune removes them if no image uses them)");
    System.err.flush();
  }
}
