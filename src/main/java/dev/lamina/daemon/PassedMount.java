package dev.lamina.daemon;

import dev.lamina.sys.UnixSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A mount that a client made in its own mount namespace and passed to the daemon: the {@code /dev/fuse}
 * descriptor, O_PATH descriptors of its layer directories (so the daemon never resolves a path of a namespace it
 * cannot see: it opens the layers as {@code /proc/self/fd/N}), and, for a client in a user namespace of its own,
 * that namespace's id maps (the kernel speaks the namespace's ids on the FUSE connection, the disk holds ours).
 */
public final class PassedMount {
  /**
   * Who passed it: {@code uidMap}/{@code gidMap} are the lines of the client's {@code /proc/PID/uid_map} and
   * {@code gid_map} ({inside, outside, count}), empty when it shares the daemon's user namespace.
   */
  public record Peer(List<long[]> uidMap, List<long[]> gidMap) {
    public boolean sameUserNamespace() {
      return uidMap.isEmpty() && gidMap.isEmpty();
    }
  }

  private final int fuseFd;
  private final List<Integer> layerFds;
  private final int lowers;
  private final boolean upper;
  private final Path mountPoint;
  private final String namespace;
  private final Peer peer;
  private boolean fuseTaken;
  private volatile boolean served;

  private PassedMount(int fuseFd, List<Integer> layerFds, int lowers, boolean upper, Path mountPoint,
      String namespace, Peer peer) {
    this.fuseFd = fuseFd;
    this.layerFds = List.copyOf(layerFds);
    this.lowers = lowers;
    this.upper = upper;
    this.mountPoint = mountPoint;
    this.namespace = namespace;
    this.peer = peer;
  }

  /** {@code fds}: /dev/fuse, the lower dirs top first, then upper and work dir when {@code upper}. */
  static PassedMount of(List<Integer> fds, int lowers, boolean upper, Path mountPoint, String namespace, Peer peer) {
    return new PassedMount(fds.get(0), fds.subList(1, fds.size()), lowers, upper, mountPoint, namespace, peer);
  }

  /** The FUSE device descriptor; whoever takes it owns it (a session closes it when the mount ends). */
  public int takeFuseFd() {
    fuseTaken = true;
    return fuseFd;
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /** The client's mount namespace ({@code mnt:[N]}), which names the mount among the daemon's. */
  public String namespace() {
    return namespace;
  }

  public Peer peer() {
    return peer;
  }

  /**
   * The mount option that points the overlay at the passed directories ({@code lowerdir=/proc/self/fd/N:...,
   * upperdir=...,workdir=...}); given last, it wins over the client's paths.
   */
  public String dirOption() {
    StringBuilder b = new StringBuilder("lowerdir=");
    for (int i = 0; i < lowers; i++) {
      b.append(i == 0 ? "" : ":").append(fdPath(layerFds.get(i)));
    }
    if (upper) {
      b.append(",upperdir=").append(fdPath(layerFds.get(lowers))).append(",workdir=")
          .append(fdPath(layerFds.get(lowers + 1)));
    }
    return b.toString();
  }

  /**
   * The id map (backingID:presentedID:size, lamina's {@code uidmapping=} syntax) that shows the disk's ids as the
   * client's user namespace sees them: the namespace's map composed with the {@code uidmapping=} the client gave
   * (ids of its namespace), or the namespace's own without one.
   */
  public static String compose(String given, List<long[]> nsMap) {
    List<long[]> user = new ArrayList<>(); // {backing (a namespace id), presented, size}
    if (given == null || given.isBlank()) {
      for (long[] l : nsMap) {
        user.add(new long[] {l[0], l[0], l[2]});
      }
    } else {
      String[] f = given.trim().split("[:,]");
      for (int i = 0; i + 2 < f.length; i += 3) {
        user.add(new long[] {Long.parseLong(f[i]), Long.parseLong(f[i + 1]), Long.parseLong(f[i + 2])});
      }
    }
    StringBuilder b = new StringBuilder();
    for (long[] u : user) {
      for (long[] l : nsMap) { // inside, outside, count
        long lo = Math.max(u[0], l[0]);
        long hi = Math.min(u[0] + u[2], l[0] + l[2]);
        if (lo < hi) {
          b.append(b.length() == 0 ? "" : ":").append(l[1] + (lo - l[0])).append(':').append(u[1] + (lo - u[0]))
              .append(':').append(hi - lo);
        }
      }
    }
    // nothing of the given map lies in the namespace: every owner shows as the overflow id
    return b.length() == 0 ? "4294967295:65534:1" : b.toString();
  }

  /** Marks the mount served: its descriptors are closed by {@link #close} when it ends, not at the request's end. */
  public void served() {
    served = true;
  }

  /** After the request: closes everything unless the mount is served. */
  public void closeUnlessServed() {
    if (!served) {
      close();
    }
  }

  /** Closes the layer descriptors, and the FUSE one unless a session took it. */
  public void close() {
    for (int fd : layerFds) {
      UnixSocket.closeFd(fd);
    }
    if (!fuseTaken) {
      UnixSocket.closeFd(fuseFd);
    }
  }

  private static String fdPath(int fd) {
    return "/proc/self/fd/" + fd;
  }
}
