package dev.lamina.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tree as a reader of a mount sees it, one sorted line per entry: path, type, mode, owner, size (not for
 * directories: their st_size is the backing filesystem's business), symlink target, sha256 of the content and
 * the extended attributes. Made by a shell script that runs where the mount lives (rootless: inside podman's
 * user namespace), so owners are those podman's id mapping shows.
 */
final class TreeListing {
  private TreeListing() {}

  /** Shell commands that print the listing of the directory in shell variable {@code $M}. */
  static String script() {
    return "cd \"$M\"\n"
        + "echo @@meta\n"
        + "find . -xdev -mindepth 1 -printf '%p\\t%y\\t%m\\t%U:%G\\t%s\\t%l\\n'\n"
        + "echo @@sha\n"
        + "find . -xdev -type f -exec sha256sum {} +\n"
        + "echo @@xattr\n"
        + "getfattr -R -P -h -d -m - -e hex . 2>/dev/null || true\n"
        + "echo @@end\n";
  }

  /** Parses the script's output into path -> description, sorted by path. */
  static Map<String, String> parse(String out) {
    Map<String, List<String>> entries = new TreeMap<>();
    String section = "";
    String xattrFile = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("@@")) {
        section = line;
        continue;
      }
      switch (section) {
        case "@@meta" -> {
          String[] f = line.split("\t", -1);
          if (f.length < 6) {
            continue;
          }
          String size = f[1].equals("d") ? "-" : f[4];
          List<String> e = entries.computeIfAbsent(f[0], k -> new ArrayList<>());
          e.add(0, f[1] + " " + f[2] + " " + f[3] + " " + size + (f[5].isEmpty() ? "" : " -> " + f[5]));
        }
        case "@@sha" -> {
          int sp = line.indexOf("  ");
          if (sp > 0) {
            entries.computeIfAbsent(line.substring(sp + 2), k -> new ArrayList<>()).add("sha256 " + line.substring(0, 12));
          }
        }
        case "@@xattr" -> {
          if (line.startsWith("# file: ")) {
            xattrFile = line.substring("# file: ".length());
            if (!xattrFile.startsWith("./") && !xattrFile.equals(".")) {
              xattrFile = "./" + xattrFile;
            }
          } else if (!line.isBlank() && xattrFile != null && !xattrFile.equals(".")) {
            entries.computeIfAbsent(xattrFile, k -> new ArrayList<>()).add("xattr " + line);
          }
        }
        default -> {}
      }
    }
    Map<String, String> result = new TreeMap<>();
    // xattr names come in the order each filesystem lists them
    entries.forEach((k, v) -> {
      List<String> sorted = new ArrayList<>(v.subList(0, Math.min(1, v.size())));
      sorted.addAll(v.subList(Math.min(1, v.size()), v.size()).stream().sorted().toList());
      result.put(k, String.join(" | ", sorted));
    });
    return result;
  }

  /** The entries that differ, one line each, for an assertion message. */
  static List<String> differences(Map<String, String> a, Map<String, String> b) {
    List<String> d = new ArrayList<>();
    TreeMap<String, String> all = new TreeMap<>(a);
    b.forEach(all::putIfAbsent);
    for (String k : all.keySet()) {
      String x = a.get(k);
      String y = b.get(k);
      if (x == null || !x.equals(y)) {
        d.add(k + ": " + x + "  <>  " + y);
      }
    }
    return d;
  }
}
