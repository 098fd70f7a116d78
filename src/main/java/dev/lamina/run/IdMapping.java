package dev.lamina.run;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The uid and gid maps of the container's user namespace. For an ordinary user, inside id 0 is the invoking
 * user; with a subordinate range (/etc/subuid, /etc/subgid) inside ids 1..count follow on the range, as podman
 * does. For real root every id is itself ({@link #hostIdentity}), as for a rootful podman container.
 */
public record IdMapping(List<IdMap> uids, List<IdMap> gids) {

  public IdMapping {
    uids = List.copyOf(uids);
    gids = List.copyOf(gids);
    if (uids.isEmpty() || gids.isEmpty()) {
      throw new IllegalArgumentException("an id mapping needs at least one uid and one gid line");
    }
  }

  /** The number of ids a user namespace can map: all of 0..2^32-2 (user_namespaces(7): 4294967295 ids). */
  public static final long ALL_IDS = 4294967295L;

  private static final List<IdMap> IDENTITY = List.of(new IdMap(0, 0, ALL_IDS));

  /**
   * Every id is itself: what real root maps, so that image users (Debian's _apt, an image User) just work.
   * Written into the maps by lamina itself (as root it needs neither newuidmap nor /etc/subuid).
   */
  public static IdMapping hostIdentity() {
    return new IdMapping(IDENTITY, IDENTITY);
  }

  /** Whether this is {@link #hostIdentity}. */
  public boolean isHostIdentity() {
    return uids.equals(IDENTITY) && gids.equals(IDENTITY);
  }

  /** Only the invoking user, as root: what {@code unshare --map-root-user} sets up. */
  public static IdMapping rootOnly(long hostUid, long hostGid) {
    return new IdMapping(List.of(new IdMap(0, hostUid, 1)), List.of(new IdMap(0, hostGid, 1)));
  }

  /** Root is the invoking user; inside ids 1.. come from the subordinate ranges. */
  public static IdMapping withRanges(long hostUid, long hostGid, SubIds.Range uidRange, SubIds.Range gidRange) {
    return new IdMapping(
        List.of(new IdMap(0, hostUid, 1), new IdMap(1, uidRange.start(), uidRange.count())),
        List.of(new IdMap(0, hostGid, 1), new IdMap(1, gidRange.start(), gidRange.count())));
  }

  /** Whether ids other than root exist inside (a subordinate range, or every id as real root). */
  public boolean hasRanges() {
    return count(uids) > 1 && count(gids) > 1;
  }

  /** The highest inside uid, for messages. */
  public long maxUid() {
    return uids.stream().mapToLong(m -> m.inside() + m.count() - 1).max().orElse(0);
  }

  private static long count(List<IdMap> maps) {
    return maps.stream().mapToLong(IdMap::count).sum();
  }

  public boolean mapsUid(long inside) {
    return uids.stream().anyMatch(m -> m.mapsInside(inside));
  }

  public boolean mapsGid(long inside) {
    return gids.stream().anyMatch(m -> m.mapsInside(inside));
  }

  /**
   * The map in fuse-overlayfs' {@code uidmapping=}/{@code gidmapping=} syntax
   * ({@code CONTAINERID:HOSTID:SIZE[:...]}), so the mount presents ids exactly as the namespace sees them.
   */
  public static String fuseOverlaySyntax(List<IdMap> maps) {
    return maps.stream()
        .map(m -> m.inside() + ":" + m.outside() + ":" + m.count())
        .collect(Collectors.joining(":"));
  }
}
