package dev.lamina.image;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Finds an image id in another engine's store from what the user typed: a name, a full id, or an id prefix. */
final class StoreLookup {
  private StoreLookup() {}

  static String resolve(ImageReference ref, String typed, List<String> ids, Map<String, List<String>> names)
      throws ImageException {
    if (ids.isEmpty()) {
      throw new ImageException(ref + ": the store holds no images");
    }
    if (typed == null) {
      if (ids.size() == 1) {
        return ids.get(0);
      }
      throw new ImageException(
          ref + ": the store holds " + ids.size() + " images; name one (" + listing(ids, names) + ")");
    }
    String hex = typed.startsWith("sha256:") ? typed.substring(7) : typed;
    if (hex.matches("[0-9a-f]{3,64}")) {
      List<String> hits = ids.stream().filter(i -> i.startsWith(hex)).toList();
      if (hits.size() == 1) {
        return hits.get(0);
      }
      if (hits.size() > 1) {
        throw new ImageException(ref + ": the id prefix " + hex + " matches " + hits.size() + " images; give more digits");
      }
    }
    for (Map.Entry<String, List<String>> e : names.entrySet()) {
      for (String n : e.getValue()) {
        if (!n.contains("@") && RefNames.matches(n, typed) || n.contains("@") && n.equals(typed)) {
          return e.getKey();
        }
      }
    }
    throw new ImageException(ref + ": no image named or with id '" + typed + "'; images present: " + listing(ids, names));
  }

  private static String listing(List<String> ids, Map<String, List<String>> names) {
    return ids.stream()
        .map(i -> i.substring(0, 12) + names.getOrDefault(i, List.of()).stream()
            .filter(n -> !n.contains("@")).map(n -> " " + n).collect(Collectors.joining()))
        .collect(Collectors.joining(", "));
  }
}
