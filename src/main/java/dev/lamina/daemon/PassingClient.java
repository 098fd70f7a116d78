package dev.lamina.daemon;

import dev.lamina.fuse.FuseArgs;
import dev.lamina.fuse.MountOptions;
import dev.lamina.fuse.MountPreflight;
import dev.lamina.fuse.MountTable;
import dev.lamina.fuse.kernel.SessionOptions;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.FuseDevice;
import dev.lamina.sys.MountCall;
import dev.lamina.sys.UnixSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The client's half of a passed mount, for a client in another mount namespace than its daemon (rootless podman
 * and buildah run the mount program in a user and mount namespace of their own, which the daemon's JVM, being
 * multithreaded, cannot join): checks the request as {@code lamina mount} does, mounts where it runs (libfuse 2:
 * mount(2), or fusermount3, which hands over the {@code /dev/fuse} descriptor and exits), opens its layer
 * directories O_PATH, passes all of them to the daemon with SCM_RIGHTS and returns once the daemon serves the mount.
 * Nothing stays behind: the daemon holds the only descriptor of the mount, which lives until it is unmounted.
 */
final class PassingClient {
  private static final long TIMEOUT_NANOS = 30_000_000_000L;

  /** The parts of {@code lamina mount}'s arguments a client needs. */
  record Request(List<String> options, String source, Path mountPoint) {
    static Request parse(List<String> args, Path cwd) {
      List<String> opts = new ArrayList<>();
      List<String> positional = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        if (a.equals("-o") && i + 1 < args.size()) {
          opts.add(args.get(++i));
        } else if (a.startsWith("-o")) {
          opts.add(a.substring(2));
        } else if (a.equals("-s") || a.equals("--single-thread")) {
          opts.add(FuseArgs.SINGLE_THREAD);
        } else if (!a.startsWith("-")) {
          positional.add(a);
        }
      }
      if (positional.isEmpty() || positional.size() > 2) {
        throw new IllegalArgumentException("expected [SOURCE] MOUNTPOINT, got " + positional);
      }
      return new Request(opts, positional.size() == 2 ? positional.get(0) : null,
          cwd.resolve(positional.get(positional.size() - 1)));
    }
  }

  private PassingClient() {}

  /**
   * Mounts here and hands the mount to the daemon of {@code paths}; returns the exit code, or
   * {@link DaemonServer#MOUNT_PRIVATELY} (with nothing left mounted) when the daemon will not serve this client.
   */
  static int mount(DaemonPaths paths, List<String> args, PrintWriter err) throws IOException {
    Path cwd = Path.of("").toAbsolutePath();
    Request rq;
    MountOptions o;
    Path mnt;
    try {
      rq = Request.parse(args, cwd);
      o = MountOptions.parse(rq.options(), rq.source(), cwd);
      mnt = MountPreflight.check(o, rq.mountPoint());
    } catch (IllegalArgumentException e) {
      err.println("lamina: " + e.getMessage());
      return 2;
    }
    boolean root = DaemonPaths.uid() == 0;
    List<Integer> fds = new ArrayList<>();
    boolean mounted = false;
    try {
      for (Path d : o.lowerDirs()) {
        fds.add(UnixSocket.openDirectory(d));
      }
      if (o.upperDir() != null) {
        fds.add(UnixSocket.openDirectory(o.upperDir()));
        fds.add(UnixSocket.openDirectory(o.workDir()));
      }
      List<String> mountOptions = SessionOptions.mountOptions(FuseArgs.sessionOptions(o, root));
      int fuse = FuseDevice.mount(mnt, mountOptions);
      mounted = true;
      fds.add(0, fuse);
      DaemonServer.Reply r = send(paths, cwd, mnt, o, args, fds);
      if (r.code() == 0) {
        awaitLive(mnt, o.fstype());
        return 0;
      }
      unmount(mnt, root);
      mounted = false;
      if (r.code() != DaemonServer.MOUNT_PRIVATELY) {
        err.print(r.err());
        err.flush(); // print does not flush; the client exits right after
      }
      return r.code();
    } catch (IOException | RuntimeException e) {
      if (mounted) {
        unmount(mnt, root);
      }
      throw e;
    } finally {
      for (int fd : fds) {
        UnixSocket.closeFd(fd); // the daemon has its own copies now
      }
    }
  }

  private static DaemonServer.Reply send(DaemonPaths paths, Path cwd, Path mnt, MountOptions o, List<String> args,
      List<Integer> fds) throws IOException {
    List<String> frame = new ArrayList<>(List.of("mount-fd", cwd.toString(), Namespaces.mount(), Namespaces.user(),
        mnt.toString(), Integer.toString(o.lowerDirs().size()), o.upperDir() != null ? "1" : "0"));
    frame.addAll(args);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Frames.write(bytes, frame);
    try (UnixSocket s = connect(paths)) {
      s.send(bytes.toByteArray(), new int[0]);
      int[] all = fds.stream().mapToInt(Integer::intValue).toArray();
      for (int i = 0; i < all.length; i += UnixSocket.MAX_FDS_PER_MESSAGE) {
        s.send(new byte[] {'F'}, Arrays.copyOfRange(all, i, Math.min(all.length, i + UnixSocket.MAX_FDS_PER_MESSAGE)));
      }
      List<String> reply = Frames.read(s.input());
      return new DaemonServer.Reply(Integer.parseInt(reply.get(0)), reply.size() > 1 ? reply.get(1) : "");
    }
  }

  private static UnixSocket connect(DaemonPaths paths) throws IOException {
    try {
      return UnixSocket.connect(paths.socket());
    } catch (ErrnoException e) {
      if (MountClient.inOwnUserNamespace() && !paths.dir().getFileName().toString().startsWith("userns-")) {
        throw new IOException("the lamina daemon on " + paths.socket() + " went away (" + e.getMessage()
            + "); mount again", e);
      }
      // the daemon that answered a moment ago is gone (idle exit): a fresh one
      DaemonClient.startDaemon(paths);
      return UnixSocket.connect(paths.socket());
    }
  }

  /** The daemon answered INIT; waits until a stat here sees the mount and mountinfo lists it. */
  private static void awaitLive(Path mnt, String fstype) throws IOException {
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    while (true) {
      Files.getAttribute(mnt, "unix:dev", LinkOption.NOFOLLOW_LINKS); // answered through the daemon
      if (MountTable.find(mnt).map(e -> e.fstype().equals(fstype)).orElse(false)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(mnt + " was not listed in /proc/self/mountinfo as " + fstype);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + mnt);
      }
    }
  }

  /** Undoes our mount: umount2(MNT_DETACH) where we may (root, also in a user namespace), else fusermount3. */
  private static void unmount(Path mnt, boolean root) {
    try {
      if (root) {
        MountCall.detach(mnt);
        return;
      }
    } catch (ErrnoException e) {
      // fall through to fusermount3
    }
    try {
      new ProcessBuilder("fusermount3", "-u", "-z", "--", mnt.toString()).inheritIO().start().waitFor();
    } catch (IOException e) {
      System.err.println("lamina: cannot unmount " + mnt + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
