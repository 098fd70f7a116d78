package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * O_PATH fds of upper-layer directories by path, kept between changes so that a create, unlink or copy-up
 * in a directory does not open (openat2 RESOLVE_BENEATH) and close it every time. An fd stands for the
 * directory that was at its path when opened; the union forgets a path (and all below it) whenever it
 * removes, replaces or moves a directory there ({@link UpperNames#forget}), the only ways a path can come to
 * denote another directory while mounted. At most {@link #CAP} fds are kept; each is reference counted, so
 * an fd evicted or forgotten while a change still works in it is closed only after that change.
 */
final class UpperDirFds implements AutoCloseable {
  static final int CAP = 128;

  /** A shared fd; the cache holds one reference while it keeps the fd, each user one more. */
  static final class Ref {
    final int fd;
    private final AtomicInteger refs;

    Ref(int fd, int refs) {
      this.fd = fd;
      this.refs = new AtomicInteger(refs);
    }

    private boolean retain() {
      for (;;) {
        int r = refs.get();
        if (r == 0) {
          return false; // closed (or closing): the caller opens its own
        }
        if (refs.compareAndSet(r, r + 1)) {
          return true;
        }
      }
    }
  }

  private final HostFs fs;
  private final LayerStack stack;
  private final ConcurrentSkipListMap<String, Ref> byRel = new ConcurrentSkipListMap<>();
  /** Bumped by every forget: an fd opened across one is not kept (it may stand for a moved directory). */
  private final AtomicLong forgets = new AtomicLong();
  /** The upper root itself: never closed here (LayerStack owns it), never forgotten. */
  private final Ref root;

  UpperDirFds(HostFs fs, LayerStack stack) {
    this.fs = fs;
    this.stack = stack;
    this.root = stack.upper() == null ? null : new Ref(stack.upper().fd(), 1);
  }

  /** An fd of the upper directory rel (O_PATH, opened beneath the upper root without symlinks); release it. */
  Ref acquire(String rel) throws ErrnoException {
    if (rel.isEmpty()) {
      return root; // (not counted: release ignores it)
    }
    Ref r = byRel.get(rel);
    if (r != null && r.retain()) {
      return r;
    }
    long seen = forgets.get();
    int fd = fs.openBeneath(stack.upper().fd(), rel, O_PATH | O_DIRECTORY, 0);
    Ref fresh = new Ref(fd, 2);
    if (forgets.get() != seen || byRel.putIfAbsent(rel, fresh) != null) {
      fresh.refs.set(1); // not kept: only the caller's reference
      return fresh;
    }
    if (forgets.get() != seen) {
      drop(rel, fresh); // a forget raced with the open: the path may stand for another directory now
    }
    while (byRel.size() > CAP) {
      Map.Entry<String, Ref> e = byRel.pollFirstEntry();
      if (e == null) {
        break;
      }
      release(e.getValue());
    }
    return fresh;
  }

  void release(Ref r) {
    if (r != root && r.refs.decrementAndGet() == 0) {
      fs.closeQuietly(r.fd);
    }
  }

  private void drop(String rel, Ref r) {
    if (byRel.remove(rel, r)) {
      release(r);
    }
  }

  /** Stops keeping the fds of rel and of every directory below it. */
  void forget(String rel) {
    forgets.incrementAndGet();
    Map<String, Ref> gone = rel.isEmpty() ? byRel : byRel.subMap(rel + "/", true, rel + "0", false);
    if (!rel.isEmpty()) {
      Ref r = byRel.get(rel);
      if (r != null) {
        drop(rel, r);
      }
    }
    for (Map.Entry<String, Ref> e : gone.entrySet()) {
      drop(e.getKey(), e.getValue());
    }
  }

  @Override
  public void close() {
    forget("");
  }
}
