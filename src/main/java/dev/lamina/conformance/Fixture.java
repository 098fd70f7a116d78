package dev.lamina.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Lower layers built from their {@link ScenarioFormat.Layer descriptions} once per run under a template
 * directory, and copied ({@code cp -a}: xattrs, hard links, devices and times kept) fresh for each target and
 * scenario. The built-in layers are {@code scenarios/fixture.layers}. Layer directories are named
 * {@code lower0} (top) to {@code lowerN-1} (bottom), as in {@code lowerdir=lower0:lower1}.
 */
public final class Fixture {

  /** 2017-07-14T02:40:00.123456789Z: far enough in the past to be told apart from "now". */
  public static final long T0_NS = 1_500_000_000_123_456_789L;

  private Fixture() {}

  /**
   * Builds the layers (listed bottom first) under {@code template}, failing loudly if any step fails.
   *
   * @param mode root, or rootless (the layers are then built inside a user namespace)
   * @return the layer steps left out: rootless, the chown steps a namespace of one id cannot do
   */
  public static List<String> build(Path template, List<ScenarioFormat.Layer> layers, RunMode mode)
      throws IOException {
    List<String> skipped = new ArrayList<>();
    int n = layers.size();
    for (int i = 0; i < n; i++) {
      ScenarioFormat.Layer layer = layers.get(i);
      Path dir = template.resolve("lower" + (n - 1 - i));
      Files.createDirectories(dir);
      List<Step> steps = layer.steps();
      FsDriver.Result r = mode.driver(dir, steps, false, null);
      for (int k = 0; k < steps.size(); k++) {
        String op = steps.get(k).op();
        if (r.steps().get(k).has("err") && mode.rootless() && (op.equals("chown") || op.equals("lchown"))) {
          // a user namespace of one mapped id cannot give files other owners
          skipped.add("layer " + layer.name() + ": " + steps.get(k).label() + " ("
              + r.steps().get(k).get("err").asText() + ")");
          continue;
        }
        if (r.steps().get(k).has("err")) {
          throw new IOException("layer " + layer.name() + ": step " + steps.get(k).label() + " failed in " + dir
              + ": " + r.steps().get(k).get("err").asText());
        }
      }
      Shell.check("touch", "-h", "-d", "@" + T0_NS / 1_000_000_000L + "." + T0_NS % 1_000_000_000L,
          dir.toString());
    }
    return skipped;
  }

  /** A fresh copy of the layers plus empty upper and work dirs and a mount point, under {@code dir}. */
  public record Layout(List<Path> lowers, Path upper, Path work, Path mnt) {}

  public static Layout copy(Path template, Path dir) throws IOException {
    Files.createDirectories(dir);
    Shell.check("cp", "-a", template.toString() + "/.", dir.toString());
    List<Path> lowers = new ArrayList<>();
    for (int i = 0; Files.isDirectory(dir.resolve("lower" + i)); i++) {
      lowers.add(dir.resolve("lower" + i));
    }
    Layout l = new Layout(lowers, dir.resolve("upper"), dir.resolve("work"), dir.resolve("mnt"));
    Files.createDirectories(l.upper());
    Files.createDirectories(l.work());
    Files.createDirectories(l.mnt());
    // the merged root shows the upper root's metadata: give it the fixture's mode and times
    Shell.check("touch", "-d", "@" + T0_NS / 1_000_000_000L + "." + T0_NS % 1_000_000_000L,
        l.upper().toString());
    return l;
  }
}
