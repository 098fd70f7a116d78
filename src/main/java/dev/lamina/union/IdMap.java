package dev.lamina.union;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import java.util.ArrayList;
import java.util.List;

/**
 * One id mapping (uids or gids) between the ids stored on the backing files and the ids the mount presents,
 * in fuse-overlayfs's {@code uidmapping=} syntax {@code backingID:presentedID:size[:backingID:presentedID:size...]}
 * (its "containerID:hostID:size": the id on disk, then the id shown). Unmapped backing ids show as the overflow
 * id 65534; unmapped presented ids cannot be written (EINVAL). The empty map is the identity.
 */
public final class IdMap {
  public static final int OVERFLOW_ID = 65534;
  public static final IdMap IDENTITY = new IdMap(List.of());

  /** A contiguous range: backing ids [backing, backing+size) show as [presented, presented+size). */
  public record Range(long backing, long presented, long size) {}

  private final List<Range> ranges;
  private final int unmappedPresented;
  /** Every backing id shows as this one (fuse-overlayfs's squash_to_uid/gid/root), or -1. */
  private final long squash;

  public IdMap(List<Range> ranges) {
    this(ranges, OVERFLOW_ID);
  }

  /**
   * A map whose backing ids outside every range show as {@code unmappedPresented} rather than the overflow id,
   * like fuse-overlayfs's squash_to_uid: {@code lamina run} without a subordinate range shows every owner as the
   * invoking user, i.e. root inside its user namespace.
   */
  public IdMap(List<Range> ranges, int unmappedPresented) {
    this(ranges, unmappedPresented, -1);
  }

  private IdMap(List<Range> ranges, int unmappedPresented, long squash) {
    this.ranges = List.copyOf(ranges);
    this.unmappedPresented = unmappedPresented;
    this.squash = squash;
  }

  /**
   * This map with every backing id shown as {@code presented} (fuse-overlayfs's {@code squash_to_uid},
   * {@code squash_to_gid}, {@code squash_to_root}); ids written still go through the ranges (identity without).
   */
  public IdMap squashedTo(long presented) {
    if (presented < 0 || presented > 0xFFFF_FFFEL) {
      throw new IllegalArgumentException("squash id " + presented + " is out of range 0-4294967294");
    }
    return new IdMap(ranges, unmappedPresented, presented);
  }

  /** Parses {@code "0:1000:1:1:100000:65536"} (fields separated by ':' or ','). */
  public static IdMap parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return IDENTITY;
    }
    String[] f = spec.trim().split("[:,]");
    if (f.length % 3 != 0) {
      throw new IllegalArgumentException(
          "id mapping '" + spec + "' must be triples backingID:presentedID:size[:...]");
    }
    List<Range> r = new ArrayList<>();
    for (int i = 0; i < f.length; i += 3) {
      try {
        long b = Long.parseLong(f[i]);
        long p = Long.parseLong(f[i + 1]);
        long n = Long.parseLong(f[i + 2]);
        if (b < 0 || p < 0 || n <= 0 || b + n > 1L << 32 || p + n > 1L << 32) {
          throw new IllegalArgumentException("id mapping '" + spec + "': range " + b + ":" + p + ":" + n + " is out of bounds");
        }
        r.add(new Range(b, p, n));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("id mapping '" + spec + "' has a non-numeric field", e);
      }
    }
    return new IdMap(r);
  }

  public boolean isIdentity() {
    return ranges.isEmpty() && squash < 0;
  }

  public List<Range> ranges() {
    return ranges;
  }

  /** The id shown for a backing id. */
  public int toPresented(int backingId) {
    if (squash >= 0) {
      return (int) squash;
    }
    if (ranges.isEmpty()) {
      return backingId;
    }
    long id = Integer.toUnsignedLong(backingId);
    for (Range r : ranges) {
      if (id >= r.backing() && id < r.backing() + r.size()) {
        return (int) (r.presented() + (id - r.backing()));
      }
    }
    return unmappedPresented;
  }

  /** The id to store for a presented id; -1 stays -1 (chown's "leave unchanged"). */
  public int toBacking(int presentedId, String path) throws ErrnoException {
    if (ranges.isEmpty() || presentedId == -1) {
      return presentedId;
    }
    long id = Integer.toUnsignedLong(presentedId);
    for (Range r : ranges) {
      if (id >= r.presented() && id < r.presented() + r.size()) {
        return (int) (r.backing() + (id - r.presented()));
      }
    }
    throw new ErrnoException(Errno.EINVAL, "map id " + presentedId, path);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Range r : ranges) {
      if (b.length() > 0) {
        b.append(':');
      }
      b.append(r.backing()).append(':').append(r.presented()).append(':').append(r.size());
    }
    if (squash >= 0) {
      b.append(b.length() > 0 ? " " : "").append("squashed to ").append(squash);
    }
    return b.toString();
  }
}
