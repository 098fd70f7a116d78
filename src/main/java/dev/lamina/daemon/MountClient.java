package dev.lamina.daemon;

import dev.lamina.fuse.BackgroundMount;
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
 * answer once the mount is live. A client in a user namespace of its own (rootless podman and buildah run the
 * mount program there), or in another mount namespace than the daemon, mounts in a process of its own instead.
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
      DaemonServer.Reply r = inOwnUserNamespace() ? null : DaemonClient.request("mount", args, true);
      if (r == null || r.code() == DaemonServer.OTHER_NAMESPACE) {
        List<String> child = new ArrayList<>(List.of("mount", "-f", "--ready-notify"));
        child.addAll(args);
        return BackgroundMount.start(child, null, Duration.ofSeconds(30), err);
      }
      err.print(r.err());
      err.flush();
      return r.code();
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
}
