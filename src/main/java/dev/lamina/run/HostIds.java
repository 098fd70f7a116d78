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

  /**
   * The mapping to use: subordinate ranges when /etc/subuid and /etc/subgid grant the user one and newuidmap and
   * newgidmap are installed, else root only. {@code note} receives why ranges are not used.
   */
  public static IdMapping mapping(HostTools tools, Path subuid, Path subgid, StringBuilder note)
      throws RunException {
    long[] ids = self();
    String name = System.getProperty("user.name");
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
}
