package dev.lamina.run;

/**
 * One line of a user namespace's uid_map or gid_map: ids {@code inside .. inside+count-1} in the namespace are
 * ids {@code outside ..} on the host (user_namespaces(7)).
 */
public record IdMap(long inside, long outside, long count) {
  public IdMap {
    if (inside < 0 || outside < 0 || count < 1) {
      throw new IllegalArgumentException("bad id map " + inside + " " + outside + " " + count);
    }
  }

  /** Whether {@code id} (inside the namespace) is covered by this line. */
  public boolean mapsInside(long id) {
    return id >= inside && id < inside + count;
  }
}
