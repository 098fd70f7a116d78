package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs.DirEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The merge of a directory's lower layers, computed once per directory and kept (lower layers do not change
 * while mounted, and which lower layers contribute to a directory is fixed by the topmost of them). It is
 * both the lower part of readdir and an index for lookup: a name absent here is in no lower layer, and a
 * present one starts its search at the layer that holds its top instance, so a lookup does not probe every
 * layer of a deep stack.
 */
final class LowerMerges {

  /**
   * The merged lower entries in order, and for each name its entry and the position of its top instance
   * counted from the first lower layer of dirLayers.
   */
  record Merge(List<DirEntry> entries, Map<String, DirEntry> byName, Map<String, Integer> topPos) {
    private static final Integer FIRST = 0;

    /**
     * The position of name's top instance, or null when no lower layer holds it. {@code topPos} is null when every
     * name's top instance is in the first layer (a directory of one lower layer: most of an image's), sparing a map
     * entry per name.
     */
    Integer top(String name) {
      return topPos != null ? topPos.get(name) : byName.containsKey(name) ? FIRST : null;
    }
  }

  private final LayerStack stack;
  private final LowerDirCache lower;
  private final InodeMap inodes;
  /**
   * Merges by the index of their topmost lower layer, then by the directory's path in that layer (no key
   * building per lookup): the layers below are a function of that pair, redirects included.
   */
  private final ConcurrentHashMap<String, Merge>[] byTopLayer;

  @SuppressWarnings("unchecked")
  LowerMerges(LayerStack stack, LowerDirCache lower, InodeMap inodes) {
    this.stack = stack;
    this.lower = lower;
    this.inodes = inodes;
    byTopLayer = new ConcurrentHashMap[stack.all().size()];
    for (int i = 0; i < byTopLayer.length; i++) {
      byTopLayer[i] = new ConcurrentHashMap<>();
    }
  }

  /** The merge of directory d over its dirLayers[from..] (all lower layers). */
  Merge get(Entry d, int from) throws ErrnoException {
    int[] dirLayers = d.dirLayers();
    String key = d.pathIn(from);
    ConcurrentHashMap<String, Merge> merges = byTopLayer[dirLayers[from]];
    Merge m = merges.get(key);
    if (m != null) {
      return m;
    }
    List<DirEntry> out = new ArrayList<>();
    Map<String, DirEntry> byName = new HashMap<>();
    Map<String, Integer> topPos = new HashMap<>();
    Set<String> hidden = new HashSet<>();
    for (int k = from; k < dirLayers.length; k++) {
      Layer l = stack.get(dirLayers[k]);
      LowerDirCache.LowerDir ld = lower.get(l, d.pathIn(k));
      for (LowerDirCache.LowerEntry le : ld.ordered()) {
        if (hidden.contains(le.name) || byName.containsKey(le.name)) {
          continue;
        }
        // the lower entry rides along: readdirplus takes its attributes from it (OverlayFs.getattr(dir, ...))
        DirEntry e = new DirEntry(le.name, inodes.compose(l, l.rootDev(), le.ino), modeOfDtype(le.dtype), le);
        byName.put(le.name, e);
        topPos.put(le.name, k - from); // relative: the same merge serves dirLayers with or without the upper
        out.add(e);
      }
      hidden.addAll(ld.whiteouts());
    }
    boolean allFirst = true;
    for (Integer p : topPos.values()) {
      if (p != 0) {
        allFirst = false;
        break;
      }
    }
    m = new Merge(List.copyOf(out), byName, allFirst ? null : topPos);
    Merge prev = merges.putIfAbsent(key, m);
    return prev != null ? prev : m;
  }
}
