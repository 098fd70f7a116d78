package dev.lamina.daemon;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the daemon checks about a peer of its own uid before mounting for it, so that nobody gets more through
 * the daemon than they have: a peer in the daemon's user namespace must hold every capability the daemon holds (a
 * root process with capabilities dropped mounts in a process of its own); a peer in a user namespace of its own
 * has no capability in the daemon's, so only a daemon without any (an ordinary user's) serves it, and only when
 * that namespace maps no id but the daemon's own uid and gid (the daemon could not act for other ids).
 * Everything is read from {@code /proc/PID} of the pid SO_PEERCRED gave, not taken from the request.
 */
final class PeerCheck {
  /** A refusal: its reply code and the reason. */
  static final class Refusal extends Exception {
    private final int code;

    Refusal(int code, String message) {
      super(message);
      this.code = code;
    }

    int code() {
      return code;
    }
  }

  private PeerCheck() {}

  /** Null when the peer holds every capability this process holds, else why not. */
  static String lackingCapabilities(int pid) {
    try {
      BigInteger own = capEff("self");
      BigInteger peer = capEff(Integer.toString(pid));
      if (!peer.and(own).equals(own)) {
        return "it lacks capabilities this daemon has (CapEff " + peer.toString(16) + " of " + own.toString(16) + ")";
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return "its capabilities cannot be read (" + e.getMessage() + ")";
    }
  }

  /** The checks for a passed mount; returns the peer's id maps (empty in the daemon's own user namespace). */
  static PassedMount.Peer forPassedMount(int pid, int uid) throws Refusal {
    Path proc = Path.of("/proc", Integer.toString(pid));
    try {
      String userNs = Files.readSymbolicLink(proc.resolve("ns/user")).toString();
      if (userNs.equals(Namespaces.user())) {
        String lacking = lackingCapabilities(pid);
        if (lacking != null) {
          throw new Refusal(DaemonServer.MOUNT_PRIVATELY, "pid " + pid + " mounts in a process of its own: " + lacking);
        }
        return new PassedMount.Peer(List.of(), List.of());
      }
      if (capEff("self").signum() != 0) {
        throw new Refusal(DaemonServer.MOUNT_PRIVATELY, "pid " + pid + " is in a user namespace of its own (" + userNs
            + "), where it holds none of this daemon's capabilities: it mounts in a process of its own");
      }
      int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
      List<long[]> uids = idMap(proc.resolve("uid_map"));
      List<long[]> gids = idMap(proc.resolve("gid_map"));
      if (!onlyId(uids, uid) || !onlyId(gids, gid)) {
        throw new Refusal(DaemonServer.MOUNT_PRIVATELY, "pid " + pid + "'s user namespace " + userNs
            + " maps ids other than uid " + uid + " and gid " + gid + ", for which this daemon cannot act");
      }
      return new PassedMount.Peer(uids, gids);
    } catch (IOException | RuntimeException e) {
      throw new Refusal(DaemonServer.REFUSED, "cannot read /proc/" + pid + " of the peer: " + e.getMessage());
    }
  }

  /** The lines of a uid_map or gid_map: {inside, outside, count}. */
  static List<long[]> idMap(Path file) throws IOException {
    List<long[]> l = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 3) {
        l.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])});
      }
    }
    return l;
  }

  /** Whether a map (as seen from outside) maps nothing but {@code id}. */
  static boolean onlyId(List<long[]> map, long id) {
    return !map.isEmpty() && map.stream().allMatch(l -> l[1] == id && l[2] == 1);
  }

  private static BigInteger capEff(String pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", pid, "status"), StandardCharsets.US_ASCII)) {
      if (line.startsWith("CapEff:")) {
        return new BigInteger(line.substring(7).trim(), 16);
      }
    }
    throw new IOException("no CapEff in /proc/" + pid + "/status");
  }
}
