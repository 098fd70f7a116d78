package dev.lamina.inspect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of a layer listing: a mark (A/M/R or blank), a path and what to show about it.
 *
 * @param type how the path changed in the selected layer
 * @param path relative path without leading slash
 * @param entry the entry shown (null for a removal or an implicit directory)
 * @param size bytes: the entry's size, or what a removal hides
 * @param hiddenFiles for a removal of a directory, how many paths it hides
 */
public record LayerRow(LayerDiffType type, String path, LayerEntry entry, long size, int hiddenFiles) {

  /** Rows of a layer's own changes; unmodified entries only when {@code withUnmodified}. */
  public static List<LayerRow> ofChanges(List<LayerChange> changes, boolean withUnmodified) {
    List<LayerRow> rows = new ArrayList<>();
    for (LayerChange c : changes) {
      if (c.type() != LayerDiffType.UNMODIFIED || withUnmodified) {
        rows.add(of(c));
      }
    }
    return rows;
  }

  /**
   * Rows of the merged view of layers 0..N, marked with layer N's changes; paths layer N removes are listed too.
   */
  public static List<LayerRow> ofAggregate(LayerAggregate merged, List<LayerChange> layerChanges) {
    Map<String, LayerChange> byPath = new HashMap<>();
    List<LayerRow> rows = new ArrayList<>();
    for (LayerChange c : layerChanges) {
      byPath.put(c.path(), c);
      if (c.type() == LayerDiffType.REMOVED) {
        rows.add(of(c));
      }
    }
    merged.root().visitParentFirst(n -> {
      if (n.parent() == null) {
        return;
      }
      LayerChange c = byPath.get(n.path());
      LayerDiffType t = c == null ? LayerDiffType.UNMODIFIED : c.type();
      long size = n.entry() == null ? 0 : n.entry().size();
      rows.add(new LayerRow(t, n.path(), n.entry(), size, 0));
    });
    rows.sort(java.util.Comparator.comparing(LayerRow::path));
    return rows;
  }

  static LayerRow of(LayerChange c) {
    return new LayerRow(c.type(), c.path(), c.entry(), c.size(), c.hiddenFiles());
  }

  /** "drwxr-xr-x" style type and permissions; blanks for a removal. */
  public String modeString() {
    if (entry == null) {
      return type == LayerDiffType.REMOVED ? "----------" : "          "; // a parent only named by its children
    }
    int m = entry.mode();
    char[] s = new char[10];
    s[0] = entry.kind().letter();
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      s[i + 1] = (m & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-';
    }
    if ((m & 04000) != 0) {
      s[3] = s[3] == 'x' ? 's' : 'S';
    }
    if ((m & 02000) != 0) {
      s[6] = s[6] == 'x' ? 's' : 'S';
    }
    if ((m & 01000) != 0) {
      s[9] = s[9] == 'x' ? 't' : 'T';
    }
    return new String(s);
  }

  /** "uid:gid", or "" for a removal. */
  public String owner() {
    return entry == null ? "" : entry.uid() + ":" + entry.gid();
  }

  /** The name as shown: a link's target follows an arrow; a removed directory says how much it hid. */
  public String decorate(String name) {
    // names are bytes: those that are not UTF-8 (and control characters) print as \xNN, never as '?'
    String shown = dev.lamina.sys.FileNames.printable(name);
    if (entry != null && !entry.linkTarget().isEmpty()) {
      return shown + " → " + dev.lamina.sys.FileNames.printable(entry.linkTarget());
    }
    if (type == LayerDiffType.REMOVED && hiddenFiles > 1) {
      return shown + " (" + hiddenFiles + " paths)";
    }
    return shown;
  }
}
