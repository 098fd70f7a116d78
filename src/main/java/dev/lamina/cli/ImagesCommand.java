package dev.lamina.cli;

import dev.lamina.layer.LayerInfo;
import dev.lamina.layer.LayerStore;
import dev.lamina.layer.StoredImage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lamina images}: the store's images as a table (name, tag, id, created, size, layers). */
@Command(name = "images", description = "List the images in lamina's store.")
public final class ImagesCommand implements Callable<Integer> {
  @Mixin StoreOptions store;

  @Option(names = {"-q", "--quiet"}, description = "Only image ids.")
  boolean quiet;

  @Option(names = "--no-trunc", description = "Full image ids.")
  boolean noTrunc;

  @Override
  public Integer call() throws Exception {
    LayerStore s = store.open();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "LAYERS"});
    for (StoredImage img : s.images()) {
      String id = noTrunc ? img.id() : img.shortId();
      if (quiet) {
        System.out.println(id);
        continue;
      }
      List<String> tags = img.repoTags().isEmpty() ? List.of("<none>:<none>") : img.repoTags();
      for (String t : tags) {
        String[] nt = splitTag(t);
        rows.add(new String[] {nt[0], nt[1], id, ago(img.created()), size(s, img), String.valueOf(img.layers().size())});
      }
    }
    if (!quiet) {
      Tables.print(System.out, rows);
    }
    return 0;
  }

  /**
   * The bytes of the layers in lamina's store; layers used in place from another engine's store are not lamina's
   * to count, and are said to be there ("in place" alone when all are).
   */
  static String size(LayerStore s, StoredImage img) throws java.io.IOException {
    long size = 0;
    int inPlace = 0;
    for (StoredImage.StoredLayer l : img.layers()) {
      if (l.dir() != null) {
        inPlace++;
        continue;
      }
      LayerInfo info = s.layerInfo(l.diffId());
      size += info != null ? info.size() : 0;
    }
    if (inPlace == 0) {
      return ProgressBar.size(size);
    }
    return inPlace == img.layers().size() ? "in place" : ProgressBar.size(size) + " + " + inPlace + " in place";
  }

  static String[] splitTag(String t) {
    int slash = t.lastIndexOf('/');
    int colon = t.lastIndexOf(':');
    return colon > slash ? new String[] {t.substring(0, colon), t.substring(colon + 1)} : new String[] {t, "<none>"};
  }

  /** "3 days ago" as docker prints it; the raw text when it is not RFC 3339. */
  static String ago(String created) {
    if (created == null) {
      return "N/A";
    }
    Instant t;
    try {
      t = Instant.parse(created);
    } catch (RuntimeException e) {
      return created;
    }
    Duration d = Duration.between(t, Instant.now());
    if (d.isNegative()) {
      return created;
    }
    long s = d.getSeconds();
    if (s < 60) {
      return "Less than a minute ago";
    }
    if (s < 3600) {
      return plural(s / 60, "minute");
    }
    if (s < 86400) {
      return plural(s / 3600, "hour");
    }
    if (s < 86400L * 14) {
      return plural(s / 86400, "day");
    }
    if (s < 86400L * 60) {
      return plural(s / (86400 * 7), "week");
    }
    if (s < 86400L * 730) {
      return plural(s / (86400 * 30), "month");
    }
    return plural(s / (86400 * 365), "year");
  }

  private static String plural(long n, String unit) {
    return (n == 1 ? (unit.equals("hour") ? "An" : "A") : String.valueOf(n)) + " " + unit + (n == 1 ? "" : "s") + " ago";
  }
}
