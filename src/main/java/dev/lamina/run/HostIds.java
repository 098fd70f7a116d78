package dev.lamina.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The invoking user's ids, and the id mapping a run can have: with subordinate ranges when they are usable. */
public final class HostIds {
  private HostIds() {}

  /** The real uid and gid of this process, from /proc/self/status (no native call needed). */
  public static long[] self() throws RunException {
    try {
      long uid = -1;
      long gid = -1;
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          uid = Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
        } else if (line.startsWith("Gid:")) {
          gid = Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
        }
      }
      if (uid < 0 || gid < 0) {
        throw new RunException("cannot find Uid/Gid in /proc/self/status");
      }
      return new long[] {uid, gid};
    } catch (IOException e) {
      throw new RunException("cannot read /proc/self/status: " + e.getMessage(), e);
    }
  }

  /** The mapping of this process's user: see {@link #mapping(long, long, String, HostTools, Path, Path, StringBuilder)}. */
  public static IdMapping mapping(HostTools tools, Path subuid, Path subgid, StringBuilder note)
      throws RunException {
    long[] ids = self();
    if (ids[0] == 0 && !ownsAllIds()) {
      // root of a user namespace that does not map every id (a rootless container): only what it has
      return IdMapping.rootOnly(0, ids[1]);
    }
    return mapping(ids[0], ids[1], System.getProperty("user.name"), tools, subuid, subgid, note);
  }

  /**
   * The mapping to use: for root (uid 0 with every id) the host identity, which lamina writes itself; for other
   * users subordinate ranges when /etc/subuid and /etc/subgid grant the user one and newuidmap and newgidmap are
   * installed, else root only. {@code note} receives why ranges are not used.
   */
  public static IdMapping mapping(
      long uid, long gid, String name, HostTools tools, Path subuid, Path subgid, StringBuilder note)
      throws RunException {
    if (uid == 0) {
      return IdMapping.hostIdentity();
    }
    long[] ids = {uid, gid};
    try {
      Optional<SubIds.Range> u = SubIds.find(subuid, name, ids[0]);
      Optional<SubIds.Range> g = SubIds.find(subgid, name, ids[0]);
      if (u.isPresent() && g.isPresent() && tools.newuidmap().isPresent() && tools.newgidmap().isPresent()) {
        return IdMapping.withRanges(ids[0], ids[1], u.get(), g.get());
      }
      if (u.isEmpty() || g.isEmpty()) {
        note.append("no subordinate id range for ").append(name).append(" in ").append(subuid).append(" and ")
            .append(subgid).append(" (see subuid(5), usermod --add-subuids)");
      } else {
        note.append("newuidmap/newgidmap are not installed (package uidmap)");
      }
      note.append(": only root is mapped, so files owned by other users in the image show as root");
      return IdMapping.rootOnly(ids[0], ids[1]);
    } catch (IOException e) {
      throw new RunException("cannot read " + subuid + " or " + subgid + ": " + e.getMessage(), e);
    }
  }

  /** Whether this process's user namespace maps every id as itself (the initial namespace does). */
  private static boolean ownsAllIds() {
    try {
      String[] f = Files.readString(Path.of("/proc/self/uid_map")).trim().split("\\s+");
      return f.length == 3 && f[0].equals("0") && f[1].equals("0") && f[2].equals(Long.toString(IdMapping.ALL_IDS));
    } catch (IOException e) {
      return false;
    }
  }
}
