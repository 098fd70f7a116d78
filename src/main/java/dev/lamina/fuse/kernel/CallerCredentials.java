package dev.lamina.fuse.kernel;

import dev.lamina.union.SetIdBits.Credentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials of a request's caller beyond the uid, gid and pid its header carries: the supplementary
 * groups and CAP_FSETID, from {@code /proc/PID/status} ("Groups:" and "CapEff:", both as this daemon's user
 * namespace sees them). The caller waits in its system call while the request is served, so its pid is
 * still its own. CAP_FSETID counts as {@code capable()} only when the caller is in this daemon's user
 * namespace (the mount's: {@code /proc/PID/ns/user} is ours). Where /proc tells nothing (pid 0: a caller in
 * a pid namespace the daemon cannot see, or one already gone) the caller has only its gid, and CAP_FSETID
 * when its uid is 0.
 */
final class CallerCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(CallerCredentials.class);
  private static final int CAP_FSETID = 4;

  private CallerCredentials() {}

  static Credentials of(Request rq) {
    return read(rq.pid, rq.uid, rq.gid);
  }

  static Credentials read(int pid, int uid, int gid) {
    if (pid > 0) {
      try {
        List<Integer> groups = new ArrayList<>();
        long capEff = -1;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith("Groups:")) {
            for (String g : line.substring(7).strip().split("\\s+")) {
              if (!g.isEmpty()) {
                groups.add(Integer.parseUnsignedInt(g));
              }
            }
          } else if (line.startsWith("CapEff:")) {
            capEff = Long.parseUnsignedLong(line.substring(7).strip(), 16);
          }
        }
        if (capEff != -1) {
          boolean fsetid = (capEff & (1L << CAP_FSETID)) != 0;
          return new Credentials(uid, gid, groups, fsetid && sameUserNamespace(pid), fsetid);
        }
      } catch (IOException | RuntimeException e) {
        LOG.debug("credentials of pid {}: {}", pid, e.toString());
      }
    }
    return new Credentials(uid, gid, List.of(), uid == 0, uid == 0);
  }

  /** Whether process pid is in this daemon's user namespace (assumed when its namespace cannot be read). */
  private static boolean sameUserNamespace(int pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/user"))
          .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/user")));
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }
}
