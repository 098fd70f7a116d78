package dev.lamina.daemon;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.List;

/**
 * The client's side of a mount that the user's shared daemon serves for as long as this process holds it
 * ({@link HeldMounts}): {@code lamina run}'s root. {@link #release} unmounts it and returns once the daemon has let
 * go of it; if this process dies first, its connection closes and the daemon unmounts then.
 */
public final class HeldMount implements AutoCloseable {
  private final DaemonClient.Connection connection;

  private HeldMount(DaemonClient.Connection connection) {
    this.connection = connection;
  }

  /**
   * Asks the user's daemon (started if none runs) to mount {@code args}, the arguments of {@code lamina mount} with
   * the mount point last, absolute and resolved. Null when that daemon cannot serve this process (it runs in a user
   * or mount namespace of its own, or lacks capabilities the daemon has): the caller mounts in its own JVM. Else the
   * daemon's answer: {@link #code} 0 when the mount is live, otherwise the error in {@link #err}.
   */
  public static HeldMount mount(List<String> args) throws IOException {
    if (MountClient.inOwnUserNamespace()) {
      return null; // the user's daemon may not start from in here, and a daemon of the namespace would be ours alone
    }
    DaemonClient.Connection c = DaemonClient.open(DaemonPaths.forCurrentUser(), HeldMounts.MOUNT, args, true);
    int code = c.reply().code();
    if (code != 0) {
      c.close(); // nothing to hold
    }
    if (code == DaemonServer.OTHER_NAMESPACE || code == DaemonServer.MOUNT_PRIVATELY) {
      return null;
    }
    return new HeldMount(c);
  }

  public int code() {
    return connection.reply().code();
  }

  public String err() {
    return connection.reply().err();
  }

  /** Asks the daemon to unmount, and returns once it has (the mount has left its table, its layers released). */
  public void release() throws IOException {
    try {
      Frames.write(Channels.newOutputStream(connection.channel()), List.of(HeldMounts.RELEASE));
      Frames.read(Channels.newInputStream(connection.channel()));
    } finally {
      close();
    }
  }

  /**
   * Asks the user's daemon (if one runs) to unmount {@code mnt} when it is a held mount whose holder is gone (a
   * {@code lamina run} killed a moment ago: the daemon may be unmounting it right now); returns once it has. False
   * when no daemon runs, it holds no such mount, or its holder still runs.
   */
  public static boolean releaseOrphan(Path mnt) throws IOException {
    if (MountClient.inOwnUserNamespace()) {
      return false;
    }
    for (DaemonPaths p : DaemonPaths.forCurrentUser().all()) { // a daemon of another build may hold it
      DaemonServer.Reply r = DaemonClient.request(p, HeldMounts.RELEASE_ORPHAN, List.of(mnt.toString()), false);
      if (r != null && r.code() == 0) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    connection.close();
  }
}
