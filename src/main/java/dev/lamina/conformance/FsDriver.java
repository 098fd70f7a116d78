package dev.lamina.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code fsdriver.py} (python3: its OSError.errno is the exact errno of the syscall) on a directory
 * and returns the per-step results plus snapshots of the merged tree and, optionally, the upper dir.
 */
public final class FsDriver {

  public static final ObjectMapper JSON = new ObjectMapper();
  private static Path script;

  /** Per-step results ({"ok": v} or {"err": "ENOENT"}) and the snapshots (null when not asked for). */
  public record Result(List<JsonNode> steps, JsonNode tree, JsonNode upper) {}

  private FsDriver() {}

  /** A sub-step for operations that take other steps (readdir_during_changes). */
  public static Map<String, Object> sub(String op, Object... args) {
    return Map.of("op", op, "args", List.of(args));
  }

  public static String python() {
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  /** fsdriver.py and the module it imports, copied to a directory every user can read. */
  public static synchronized Path script() throws IOException {
    if (script == null) {
      Path dir = Files.createTempDirectory("lamina-fsdriver");
      dir.toFile().deleteOnExit(); // registered first, deleted last (after the files in it)
      for (String name : List.of("fsdriver.py", "fssnapshot.py")) {
        Path p = dir.resolve(name);
        try (InputStream in = FsDriver.class.getResourceAsStream("/dev/lamina/conformance/" + name)) {
          if (in == null) {
            throw new IOException("resource /dev/lamina/conformance/" + name + " is missing from the classpath");
          }
          Files.write(p, in.readAllBytes());
        }
        p.toFile().setReadable(true, false);
        p.toFile().deleteOnExit();
      }
      dir.toFile().setReadable(true, false);
      dir.toFile().setExecutable(true, false);
      script = dir.resolve("fsdriver.py");
    }
    return script;
  }

  public static Result run(Path root, List<Step> steps, boolean snapshot, Path upper) throws IOException {
    return run(List.of(), root, steps, snapshot, upper);
  }

  /** Runs the driver, prefixed by {@code asUser} (e.g. runuser -u NAME --) when not empty. */
  public static Result run(List<String> asUser, Path root, List<Step> steps, boolean snapshot, Path upper)
      throws IOException {
    return run(asUser, root, steps, snapshot, upper, false);
  }

  /**
   * @param asUser a command prefix (runuser -u NAME --, or a user namespace) or empty
   * @param userXattr whether the layer ops {@code opaque} write {@code user.overlay.*} (rootless) instead of
   *     {@code trusted.overlay.*}
   */
  public static Result run(List<String> asUser, Path root, List<Step> steps, boolean snapshot, Path upper,
      boolean userXattr) throws IOException {
    ObjectNode req = JSON.createObjectNode();
    req.put("overlay_xattr", userXattr ? "user.overlay." : "trusted.overlay.");
    req.put("root", root.toString());
    var arr = req.putArray("steps");
    for (Step s : steps) {
      ObjectNode n = arr.addObject();
      n.put("op", s.op());
      n.set("args", JSON.valueToTree(s.args()));
    }
    req.put("snapshot", snapshot);
    if (upper != null) {
      req.put("upper", upper.toString());
    }
    List<String> cmd = new ArrayList<>(asUser);
    cmd.add(python());
    cmd.add("-B"); // no __pycache__ next to the script: its temp dir must stay deletable
    cmd.add(script().toString());
    Shell.Result r = Shell.run(Duration.ofSeconds(120), JSON.writeValueAsString(req), cmd);
    if (!r.ok()) {
      throw new IOException("fsdriver failed on " + root + " (exit " + r.exit() + "):\n" + r.err().strip());
    }
    JsonNode out = JSON.readTree(r.out());
    List<JsonNode> results = new ArrayList<>();
    out.get("steps").forEach(results::add);
    return new Result(results, out.get("tree"), out.get("upper"));
  }

  /** "ok" or the errno name of one step result. */
  public static String outcome(JsonNode stepResult) {
    return stepResult.has("err") ? stepResult.get("err").asText() : "ok";
  }
}
