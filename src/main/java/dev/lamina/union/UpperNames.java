package dev.lamina.union;

import dev.lamina.sys.DirEnt;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The names each upper-layer directory holds, so that a lookup of a name the upper dir lacks (or of its
 * {@code .wh.} whiteout, or of an opaque marker file) costs no statx; and which of them are 0/0 whiteout
 * devices, so that neither a lookup of a deleted name nor the listing of a directory full of whiteouts (rmdir
 * after {@code rm -rf} checks it is empty) stats each one. A directory's names come from a listing lamina
 * reads anyway (readdir), from its creation (a new or copied-up directory starts empty), or from one listing
 * on the first lookup there; from then on the union records every name it adds, saying whether it is a
 * whiteout device: it is the only writer of the upper layer while mounted (as for kernel overlayfs, changing
 * the layers under a mount is undefined). Names: only "certainly absent" is answered, a name held is still
 * stat'ed; removals are recorded too ({@link #removed}), only so that the index does not grow with every name a
 * directory ever held (a stale name costs one statx). Whiteouts: a name is known as a
 * whiteout device only from the add that made it one, or from a stat that saw one, and stops being one at
 * any other add of that name.
 *
 * <p>Races: a listing (or a stat seen) is kept only if no name was added to that directory, and no subtree
 * forgotten, while it was read (version counters, checked again after storing, as {@link Resolver} does). A
 * change opens its upper parent by path and then works in that fd, so a directory renamed in between would
 * take the new name to the directory's new path, whose names may have been listed meanwhile: every change
 * calls {@link #mark} before opening its parent, and an add that sees a forget since then drops everything
 * known (rare: it takes a directory rename or removal racing with a change inside it).
 */
final class UpperNames {
  /** What is known of one upper directory. */
  private static final class Known {
    final Set<String> names;
    final Set<String> whiteouts = ConcurrentHashMap.newKeySet();
    /** Names lamina itself made real entries (not whiteout devices), until it makes them whiteouts. */
    final Set<String> real = ConcurrentHashMap.newKeySet();

    Known(Set<String> names) {
      this.names = names;
    }
  }

  /** Counters of adds, striped by directory (an add bumps its stripe before recording the name). */
  private final AtomicLongArray versions = new AtomicLongArray(256);
  private final AtomicLong forgets = new AtomicLong();
  /** The forget count when this thread's current change began (see {@link #mark}). */
  private final ThreadLocal<long[]> marks = ThreadLocal.withInitial(() -> new long[] {-1});
  private final ConcurrentSkipListMap<String, Known> byDir = new ConcurrentSkipListMap<>();
  private final HostFs fs;
  private final LayerStack stack;
  private final UpperDirFds dirFds;

  /** The counters a listing must see unchanged to be kept. */
  record Stamp(long version, long forgets) {}

  UpperNames(HostFs fs, LayerStack stack, UpperDirFds dirFds) {
    this.dirFds = dirFds;
    this.fs = fs;
    this.stack = stack;
  }

  private static int stripe(String dirRel) {
    int h = dirRel.hashCode();
    return (h ^ (h >>> 16)) & 255;
  }

  /** Taken before reading (or creating, or stat'ing an entry of) the upper directory dirRel. */
  Stamp stamp(String dirRel) {
    return new Stamp(versions.get(stripe(dirRel)), forgets.get());
  }

  private boolean holds(String dirRel, Stamp s) {
    return versions.get(stripe(dirRel)) == s.version() && forgets.get() == s.forgets();
  }

  /**
   * Whether the upper directory dirRel may hold name: false only when its names are known and lack it. The
   * first call for a directory lists it (the caller knows it exists in the upper layer).
   */
  boolean mayHold(String dirRel, String name) {
    Known k = byDir.get(dirRel);
    if (k == null) {
      k = load(dirRel);
      if (k == null) {
        return true;
      }
    }
    return k.names.contains(name);
  }

  /** Like {@link #mayHold} but never lists: true when the directory's names are not known yet. */
  boolean mayHoldIfKnown(String dirRel, String name) {
    Known k = byDir.get(dirRel);
    return k == null || k.names.contains(name);
  }

  /**
   * Whether lamina made name in the upper directory dirRel a real entry (not a whiteout device) and has not
   * made it a whiteout since; it may have been removed since (never lists).
   */
  boolean isReal(String dirRel, String name) {
    Known k = byDir.get(dirRel);
    return k != null && k.real.contains(name);
  }

  /** Whether name in the upper directory dirRel is known to be a 0/0 whiteout device (never lists). */
  boolean isWhiteout(String dirRel, String name) {
    Known k = byDir.get(dirRel);
    return k != null && k.whiteouts.contains(name);
  }

  private Known load(String dirRel) {
    Stamp s = stamp(dirRel);
    List<DirEnt> ents;
    try {
      ents = fs.listdir(stack.upper().fd(), dirRel);
    } catch (ErrnoException e) {
      return null; // gone or replaced meanwhile: the caller stats, as without this index
    }
    return keep(dirRel, s, ents);
  }

  /**
   * A listing of the upper directory dirRel read since stamp s; kept when nothing changed meanwhile. What was
   * known of its whiteouts is kept too (a listing does not tell a whiteout from another character device).
   */
  void offer(String dirRel, Stamp s, List<DirEnt> ents) {
    keep(dirRel, s, ents);
  }

  private Known keep(String dirRel, Stamp s, List<DirEnt> ents) {
    Set<String> names = ConcurrentHashMap.newKeySet(Math.max(16, ents.size() * 2));
    for (DirEnt e : ents) {
      names.add(e.name());
    }
    Known k = new Known(names);
    Known old = byDir.get(dirRel);
    if (old != null) {
      for (String w : old.whiteouts) {
        if (names.contains(w)) {
          k.whiteouts.add(w);
        }
      }
      for (String r : old.real) {
        if (names.contains(r)) {
          k.real.add(r);
        }
      }
    }
    return install(dirRel, s, k);
  }

  /** The upper directory dirRel was just created empty (mkdir, copy-up), with stamp s taken before. */
  void created(String dirRel, Stamp s) {
    install(dirRel, s, new Known(ConcurrentHashMap.newKeySet()));
  }

  private Known install(String dirRel, Stamp s, Known k) {
    if (!holds(dirRel, s)) {
      return null;
    }
    byDir.put(dirRel, k);
    if (!holds(dirRel, s)) {
      byDir.remove(dirRel, k); // an add may have missed it: let the next lookup list again
      return null;
    }
    return k;
  }

  /**
   * A stat taken since stamp s saw a whiteout device at name in the upper directory dirRel: remembered unless
   * a name was added there meanwhile (which might have replaced it).
   */
  void sawWhiteout(String dirRel, String name, Stamp s) {
    Known k = byDir.get(dirRel);
    if (k == null || !holds(dirRel, s)) {
      return;
    }
    k.whiteouts.add(name);
    if (!holds(dirRel, s)) {
      k.whiteouts.remove(name);
    }
  }

  /** Called by a change before it opens the upper directories it will add names to. */
  void mark() {
    marks.get()[0] = forgets.get();
  }

  /** Records that the union just made name (any type but a whiteout device) in upper dir dirRel. */
  void added(String dirRel, String name) {
    record(dirRel, name, false);
  }

  /**
   * Records that name is gone from upper dir dirRel (unlinked, or renamed away without a whiteout left), with
   * stamp s taken before it was removed there: so a directory where many distinct names come and go (temporary
   * files, write-then-rename) keeps only the names it holds. Skipped when a name was added there since s (it
   * may have been this one again): a name kept though gone costs one statx, a name dropped though there would
   * hide a file.
   */
  void removed(String dirRel, String name, Stamp s) {
    Known k = byDir.get(dirRel);
    if (k == null || !holds(dirRel, s)) {
      return;
    }
    k.names.remove(name);
    k.real.remove(name);
    if (!holds(dirRel, s)) {
      k.names.add(name); // an add raced with the removal: keep the name
    }
  }

  /** Names known in every upper directory (for tests: what this index holds). */
  int size() {
    int n = 0;
    for (Known k : byDir.values()) {
      n += k.names.size();
    }
    return n;
  }

  /** Records that name in upper dir dirRel just became a 0/0 whiteout device. */
  void addedWhiteout(String dirRel, String name) {
    record(dirRel, name, true);
  }

  private void record(String dirRel, String name, boolean whiteout) {
    versions.incrementAndGet(stripe(dirRel));
    Known k = byDir.get(dirRel);
    if (k != null) {
      k.names.add(name);
      if (whiteout) {
        k.real.remove(name);
        k.whiteouts.add(name);
      } else {
        k.whiteouts.remove(name);
        k.real.add(name);
      }
    }
    if (marks.get()[0] != forgets.get()) {
      // a directory was moved or removed while this change worked in an fd opened by path: the name may
      // have gone to another path than dirRel, so nothing known can be trusted
      forgets.incrementAndGet();
      byDir.clear();
      mark();
    }
  }

  /**
   * Forgets dirRel and every directory below it (removed, replaced or moved in the upper layer), with the
   * directory fds kept for them ({@link UpperDirFds}).
   */
  void forget(String rel) {
    dirFds.forget(rel);
    forgets.incrementAndGet();
    if (rel.isEmpty()) {
      byDir.clear();
      return;
    }
    byDir.remove(rel);
    byDir.subMap(rel + "/", true, rel + "0", false).clear();
  }
}
