package dev.lamina.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one target did with one scenario, flattened into comparable facts: each step's outcome, and for
 * every entry of the merged tree (and of the upper dir, and of the upper dir re-read as a lower layer) its
 * type, mode, uid, gid, size, nlink, contents digest, link target, user.* xattrs, normalized mtime and
 * sorted names.
 */
public final class TreeSnapshot {

  /** One fact: section (step/tree/upper), where (step label or path), entry type, field. */
  public record Key(String section, String where, String type, String field) {
    @Override
    public String toString() {
      return section + " " + where + (type.isEmpty() ? "" : " [" + type + "]")
          + (field.isEmpty() ? "" : " " + field);
    }
  }

  private final Map<Key, String> facts;

  private TreeSnapshot(Map<Key, String> facts) {
    this.facts = facts;
  }

  public Map<Key, String> facts() {
    return facts;
  }

  public static TreeSnapshot of(List<Step> steps, FsDriver.Result result) {
    return of(steps, result, null);
  }

  /**
   * @param reread the merged tree of a read-only kernel overlay with the target's upper dir as its top
   *     lower layer (null when not taken): shows that the upper dir's format reads back as a layer
   */
  public static TreeSnapshot of(List<Step> steps, FsDriver.Result result, JsonNode reread) {
    Map<Key, String> facts = new LinkedHashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      String where = "#" + (i + 1) + " " + steps.get(i).label();
      JsonNode r = result.steps().get(i);
      if (r.has("err")) {
        facts.put(new Key("step", where, "", ""), "error " + r.get("err").asText());
        continue;
      }
      JsonNode ok = r.get("ok");
      if (ok != null && ok.isObject()) {
        String type = ok.has("type") ? ok.get("type").asText() : "";
        facts.put(new Key("step", where, "", ""), "ok");
        ok.fields().forEachRemaining(f -> {
          if (!f.getKey().equals("type")) {
            facts.put(new Key("step", where, type, f.getKey()), text(f.getValue()));
          }
        });
      } else {
        facts.put(new Key("step", where, "", ""), "ok " + (ok == null ? "null" : text(ok)));
      }
    }
    addTree(facts, "tree", result.tree());
    addTree(facts, "upper", result.upper());
    addTree(facts, "reread", reread);
    return new TreeSnapshot(facts);
  }

  private static void addTree(Map<Key, String> facts, String section, JsonNode tree) {
    if (tree == null || tree.isNull()) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = abbreviatePath(e.getKey());
      JsonNode entry = e.getValue();
      String type = entry.get("type").asText();
      facts.put(new Key(section, path, "", ""), "exists");
      entry.fields().forEachRemaining(f -> {
        if (!f.getKey().equals("type")) {
          facts.put(new Key(section, path, type, f.getKey()), text(f.getValue()));
        }
      });
      facts.put(new Key(section, path, "", "type"), type);
    }
  }

  private static String text(JsonNode n) {
    if (n.isTextual()) {
      // long names and paths are abbreviated; messages (with spaces) are kept whole
      return n.asText().contains(" ") ? n.asText() : abbreviate(n.asText());
    }
    if (n.isArray()) {
      StringBuilder sb = new StringBuilder("[");
      n.forEach(x -> sb.append(sb.length() > 1 ? ", " : "").append(text(x)));
      return sb.append("]").toString();
    }
    return n.toString();
  }

  /** Long path components (long-name scenarios) are shown as their first letters and length. */
  public static String abbreviatePath(String path) {
    return java.util.Arrays.stream(path.split("/", -1)).map(TreeSnapshot::abbreviate)
        .collect(java.util.stream.Collectors.joining("/"));
  }

  public static String abbreviate(String s) {
    if (s.contains("/")) {
      return abbreviatePath(s);
    }
    return s.length() <= 60 ? s : s.substring(0, 8) + "...(" + s.length() + " chars)";
  }
}
