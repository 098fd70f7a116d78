package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.DirEnt;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.DirEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The merged listing of a directory: entries of each contributing layer, top first; a name seen in a higher
 * layer hides the same name below; a whiteout in a layer hides the name in the layers below it; {@code .wh.*}
 * names and the opaque marker are never listed. Inode numbers are the ones getattr reports.
 *
 * <p>The part below the upper layer is merged once per directory and kept: lower layers do not change while
 * mounted, and which lower layers contribute is fixed by the topmost one. Only the upper listing is read on
 * every opendir.
 */
final class DirMerger {
  private final HostFs fs;
  private final LayerStack stack;
  private final Resolver resolver;
  private final InodeMap inodes;
  private final AttrFactory attrs;

  private final LowerMerges merges;
  private final UpperNames upperNames;

  DirMerger(HostFs fs, LayerStack stack, LowerMerges merges, Resolver resolver, InodeMap inodes, AttrFactory attrs,
      UpperNames upperNames) {
    this.upperNames = upperNames;
    this.fs = fs;
    this.stack = stack;
    this.merges = merges;
    this.resolver = resolver;
    this.inodes = inodes;
    this.attrs = attrs;
  }

  /** Names of the merged directory d without "." and "..", with d_type and merged inode numbers. */
  List<DirEntry> list(Entry d) throws ErrnoException {
    int[] layers = d.dirLayers();
    boolean hasUpper = layers.length > 0 && stack.get(layers[0]).upper();
    int firstLower = hasUpper ? 1 : 0;
    LowerMerges.Merge lm = firstLower < layers.length ? merges.get(d, firstLower) : null;
    if (!hasUpper) {
      return lm == null ? List.of() : lm.entries();
    }
    Layer up = stack.get(layers[0]);
    UpperNames.Stamp stamp = upperNames.stamp(d.rel());
    List<DirEnt> raw = fs.listdir(up.fd(), d.rel());
    upperNames.offer(d.rel(), stamp, raw); // lookups in this directory then need no statx for absent names
    // a directory that may hold copied-up entries (the kernel's impure marker): their numbers are their origins'
    // (read at the first non-directory upper entry: an empty directory or one of directories costs no read)
    Boolean impure = null;
    List<DirEntry> out = new ArrayList<>(raw.size() + (lm == null ? 0 : lm.entries().size()));
    Set<String> taken = new HashSet<>(raw.size() * 2);
    for (DirEnt de : raw) {
      String name = de.name();
      if (Markers.isWhiteoutName(name)) {
        if (!name.equals(Markers.OPAQUE_FILE)) {
          taken.add(name.substring(Markers.WH_PREFIX.length())); // hides the name below
        }
        continue;
      }
      int dtype = de.dtype();
      if (dtype == DT_CHR && upperNames.isWhiteout(d.rel(), name)) {
        taken.add(name); // a whiteout lamina made (or saw): no statx to tell it from a device node
        continue;
      }
      if (dtype == DT_CHR || dtype == DT_UNKNOWN) {
        Stat st = fs.lstatOrNull(up.fd(), Resolver.child(d.rel(), name));
        if (st == null) {
          continue;
        }
        if (st.isWhiteoutDevice()) {
          upperNames.sawWhiteout(d.rel(), name, stamp);
          taken.add(name);
          continue;
        }
        dtype = dtypeOfMode(st.mode());
      }
      taken.add(name);
      if (dtype != DT_DIR && impure == null) {
        impure = attrs.origins().isImpure(d.rel(), d.stat().ino());
      }
      long ino = dtype != DT_DIR && impure
          ? attrs.upperFile(up, Resolver.child(d.rel(), name), up.rootDev(), de.ino(), modeOfDtype(dtype))
          : inodes.upper(up, up.rootDev(), de.ino());
      if (dtype == DT_DIR && lm != null) {
        DirEntry below = lm.byName().get(name);
        if (below != null && below.type() == S_IFDIR) {
          // the number comes from the lower instance unless the upper one is opaque: ask the resolver
          // (resolved through the directory cache: a listing does not re-probe each subdirectory's opacity)
          try {
            ino = attrs.ino(resolver.dir(Resolver.child(d.rel(), name)));
          } catch (ErrnoException gone) {
            if (gone.errno() != dev.lamina.sys.Errno.ENOENT && gone.errno() != dev.lamina.sys.Errno.ENOTDIR) {
              throw gone;
            }
            // removed or replaced since the listing was read: keep the upper number
          }
        }
      }
      out.add(new DirEntry(name, ino, modeOfDtype(dtype)));
    }
    if (lm != null) {
      for (DirEntry e : lm.entries()) {
        if (!taken.contains(e.name())) {
          out.add(e);
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
