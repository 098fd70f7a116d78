package dev.lamina.daemon;

import dev.lamina.fuse.BackgroundMount;
import dev.lamina.fuse.MountPreflight;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The fast path of {@code lamina mount -o lowerdir=... MNT} with the shared daemon (scripts/lamina runs this class
 * directly): sends the arguments as given, with the working directory, to the user's daemon and exits with its
 * answer once the mount is live. A client in another mount namespace than the daemon mounts where it is and passes
 * the mount to the daemon ({@link PassingClient}). A client in a user namespace of its own asks the user's daemon
 * when that namespace maps only the user's own ids (the daemon can then act for it) and that daemon runs; otherwise
 * (rootless podman's namespace, which maps subordinate ids) it uses a daemon that lives in its namespace, started
 * from there, which every later client in that namespace shares.
 */
public final class MountClient {
  private MountClient() {}

  public static void main(String[] args) {
    System.exit(run(List.of(args)));
  }

  /** Mounts with {@code args} (those of {@code lamina mount}) and returns the exit code. */
  public static int run(List<String> args) {
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    try {
      // a daemon runs as its user: one started for a user who cannot open /dev/fuse could not mount either, and
      // would only sit idle until it timed out
      MountPreflight.checkDevFuse();
      DaemonPaths user = DaemonPaths.forCurrentUser();
      boolean ownNs = inOwnUserNamespace();
      Integer code = null;
      // root's daemon serves no user namespace of its own (it would lend it root's capabilities)
      if (!ownNs || (mapsOnlyOwnIds() && DaemonPaths.hostUid() != 0)) {
        // from inside a user namespace no daemon may start for the user: it would live in the namespace
        code = attempt(user, args, !ownNs, err);
      }
      if (ownNs && (code == null || code == DaemonServer.MOUNT_PRIVATELY)) {
        code = attempt(user.forUserNamespace(), args, true, err);
      }
      if (code == DaemonServer.MOUNT_PRIVATELY) {
        List<String> child = new ArrayList<>(List.of("mount", "-f", "--ready-notify"));
        child.addAll(args);
        return BackgroundMount.start(child, null, Duration.ofSeconds(30), err);
      }
      return code;
    } catch (IllegalArgumentException e) {
      err.println("lamina: " + e.getMessage());
      return 2; // as the daemon answers every other check of the mount's arguments
    } catch (IOException e) {
      err.println("lamina: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("lamina: interrupted");
      return 1;
    }
  }

  /**
   * Asks the daemon of {@code paths} to mount (passing the mount when it lives in another mount namespace) and
   * relays its messages; returns the exit code, {@link DaemonServer#MOUNT_PRIVATELY}, or null when no daemon runs
   * and {@code start} is false.
   */
  private static Integer attempt(DaemonPaths paths, List<String> args, boolean start, PrintWriter err)
      throws IOException {
    DaemonServer.Reply r = DaemonClient.request(paths, "mount", args, start);
    if (r == null) {
      return null;
    }
    if (r.code() == DaemonServer.OTHER_NAMESPACE) {
      return PassingClient.mount(paths, args, err);
    }
    err.print(r.err());
    err.flush();
    return r.code();
  }

  /**
   * Whether this process runs in a user namespace other than the initial one (its uid_map is not the identity
   * map of all ids): a daemon started from here would live in that namespace, with ids that mean nothing outside.
   */
  static boolean inOwnUserNamespace() {
    try {
      String map = Files.readString(Path.of("/proc/self/uid_map")).trim();
      return !map.matches("0\\s+0\\s+4294967295");
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether our user namespace maps one uid and one gid only (unshare -r): the user's daemon can act for it. */
  static boolean mapsOnlyOwnIds() {
    try {
      List<long[]> uids = PeerCheck.idMap(Path.of("/proc/self/uid_map"));
      List<long[]> gids = PeerCheck.idMap(Path.of("/proc/self/gid_map"));
      return uids.size() == 1 && uids.get(0)[2] == 1 && gids.size() == 1 && gids.get(0)[2] == 1;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
