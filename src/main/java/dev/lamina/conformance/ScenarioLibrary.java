package dev.lamina.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * The scenarios a run uses: the built-in files shipped as resources ({@code scenarios/index} lists them),
 * plus the user's files; each scenario with the layers it starts from (its file's own, else the built-in
 * fixture).
 */
public final class ScenarioLibrary {

  private static final String ROOT = "/dev/lamina/conformance/scenarios/";
  private static List<ScenarioFormat.Layer> fixture; // one list object: the engine builds it once per run

  /** A scenario with the layers it starts from (listed bottom first) and where it was defined. */
  public record Entry(Scenario scenario, List<ScenarioFormat.Layer> layers, String origin) {}

  private ScenarioLibrary() {}

  /** The built-in fixture's layers, bottom first. */
  public static synchronized List<ScenarioFormat.Layer> fixture() throws IOException {
    if (fixture == null) {
      fixture = ScenarioFormat.parse(resource("fixture.layers"), "fixture.layers").layers();
    }
    return fixture;
  }

  /** Every built-in scenario, in file order. */
  public static List<Entry> builtIn() throws IOException {
    List<ScenarioFormat.Layer> fixture = fixture();
    List<Entry> out = new ArrayList<>();
    for (String name : resource("index").split("\n")) {
      if (name.isBlank() || name.equals("fixture.layers")) {
        continue;
      }
      for (Scenario s : ScenarioFormat.parse(resource(name), name).scenarios()) {
        out.add(new Entry(s, fixture, name));
      }
    }
    return out;
  }

  /** The scenarios of a user's file; its layers when it has any, else the built-in fixture. */
  public static List<Entry> load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("scenario file " + file + " does not exist or is not a regular file");
    }
    ScenarioFormat.ScenarioFile f = ScenarioFormat.parse(Files.readString(file), file.toString());
    List<ScenarioFormat.Layer> layers = f.layers().isEmpty() ? fixture() : f.layers();
    return f.scenarios().stream().map(s -> new Entry(s, layers, file.toString())).toList();
  }

  /** Entries whose name matches one of the comma-separated globs (all when {@code globs} is null). */
  public static List<Entry> select(List<Entry> all, String globs) {
    if (globs == null || globs.isBlank()) {
      return all;
    }
    List<PathMatcher> ms = new ArrayList<>();
    for (String g : globs.split(",")) {
      ms.add(FileSystems.getDefault().getPathMatcher("glob:" + g.strip()));
    }
    return all.stream().filter(e -> ms.stream().anyMatch(m -> m.matches(Path.of(e.scenario().name()))))
        .toList();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ScenarioLibrary.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IOException("built-in scenario file " + ROOT + name + " is missing from lamina's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
