package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.DirEnt;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.DirEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The merged listing of a directory: entries of each contributing layer, top first; a name seen in a higher
 * layer hides the same name below; a whiteout in a layer hides the name in the layers below it; {@code .wh.*}
 * names and the opaque marker are never listed. Inode numbers are the ones getattr reports.
 */
final class DirMerger {
  private final HostFs fs;
  private final LayerStack stack;
  private final LowerDirCache lower;
  private final Resolver resolver;
  private final InodeMap inodes;
  private final AttrFactory attrs;

  DirMerger(HostFs fs, LayerStack stack, LowerDirCache lower, Resolver resolver, InodeMap inodes, AttrFactory attrs) {
    this.fs = fs;
    this.stack = stack;
    this.lower = lower;
    this.resolver = resolver;
    this.inodes = inodes;
    this.attrs = attrs;
  }

  /** Names of the merged directory d without "." and "..", with d_type and merged inode numbers. */
  List<DirEntry> list(Entry d) throws ErrnoException {
    List<DirEntry> out = new ArrayList<>();
    Set<String> hidden = new HashSet<>();
    Map<String, Integer> firstLayer = new HashMap<>();
    int[] layers = d.dirLayers();
    for (int k = 0; k < layers.length; k++) {
      Layer l = stack.get(layers[k]);
      boolean more = k + 1 < layers.length;
      List<String> whiteouts = new ArrayList<>();
      if (l.upper()) {
        for (DirEnt de : fs.listdir(l.fd(), d.rel())) {
          String name = de.name();
          if (Markers.isWhiteoutName(name)) {
            if (!name.equals(Markers.OPAQUE_FILE)) {
              whiteouts.add(name.substring(Markers.WH_PREFIX.length()));
            }
            continue;
          }
          int dtype = de.dtype();
          long ino;
          if (dtype == DT_CHR || dtype == DT_UNKNOWN) {
            Stat st = fs.lstatOrNull(l.fd(), Resolver.child(d.rel(), name));
            if (st == null) {
              continue;
            }
            if (st.isWhiteoutDevice()) {
              whiteouts.add(name);
              continue;
            }
            dtype = dtypeOfMode(st.mode());
          }
          if (hidden.contains(name) || firstLayer.containsKey(name)) {
            continue;
          }
          ino = inodes.upper(l, l.rootDev(), de.ino());
          firstLayer.put(name, k);
          out.add(new DirEntry(name, ino, modeOfDtype(dtype)));
        }
      } else {
        LowerDirCache.LowerDir ld = lower.get(l, d.rel());
        for (LowerDirCache.LowerEntry le : ld.ordered()) {
          if (hidden.contains(le.name) || firstLayer.containsKey(le.name)) {
            continue;
          }
          firstLayer.put(le.name, k);
          out.add(new DirEntry(le.name, inodes.compose(l, l.rootDev(), le.ino), modeOfDtype(le.dtype)));
        }
        if (more) {
          whiteouts.addAll(ld.whiteouts());
        }
      }
      if (more) {
        hidden.addAll(whiteouts);
      }
    }
    // A directory whose top instance is in a higher layer but that also exists lower down takes its inode
    // number from the lower instance (see AttrFactory.ino); redo those few through a real lookup.
    for (int i = 0; i < out.size(); i++) {
      DirEntry e = out.get(i);
      if (e.type() == S_IFDIR && firstLayer.get(e.name()) + 1 < layers.length) {
        Entry child = resolver.lookupChild(d, e.name());
        if (child != null) {
          out.set(i, new DirEntry(e.name(), attrs.ino(child), S_IFDIR));
        }
      }
    }
    return out;
  }

  /** Whether the merged directory d has no visible entries (whiteouts and markers do not count). */
  boolean isEmpty(Entry d) throws ErrnoException {
    return list(d).isEmpty();
  }
}
