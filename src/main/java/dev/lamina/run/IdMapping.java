package dev.lamina.run;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The uid and gid maps of the container's user namespace. Inside id 0 is always the invoking user; with a
 * subordinate range (/etc/subuid, /etc/subgid) inside ids 1..count follow on the range, as podman does.
 */
public record IdMapping(List<IdMap> uids, List<IdMap> gids) {

  public IdMapping {
    uids = List.copyOf(uids);
    gids = List.copyOf(gids);
    if (uids.isEmpty() || gids.isEmpty()) {
      throw new IllegalArgumentException("an id mapping needs at least one uid and one gid line");
    }
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

  /** Whether ids other than root exist inside (a subordinate range is mapped). */
  public boolean hasRanges() {
    return uids.size() > 1 && gids.size() > 1;
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
