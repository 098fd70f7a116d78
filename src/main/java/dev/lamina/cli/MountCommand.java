package dev.lamina.cli;

import dev.lamina.daemon.DaemonMode;
import dev.lamina.daemon.MountClient;
import dev.lamina.daemon.PassedMount;
import dev.lamina.daemon.ServedMounts;
import dev.lamina.fuse.BackgroundMount;
import dev.lamina.fuse.FuseArgs;
import dev.lamina.fuse.FuseMount;
import dev.lamina.fuse.MountOptions;
import dev.lamina.fuse.MountPreflight;
import dev.lamina.fuse.MountTable;
import dev.lamina.fuse.Remount;
import dev.lamina.fuse.Unions;
import dev.lamina.layer.LayerUseLocks;
import dev.lamina.union.UnionFs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lamina mount}: mounts an overlay of directories over FUSE, fuse-overlayfs compatible. */
@Command(
    name = "mount",
    description = {
      "Mount an overlay of lowerdirs (leftmost on top) and an optional writable upperdir on MOUNTPOINT.",
      "Returns once the mount is live; the filesystem keeps running in the background until"
          + " `umount MOUNTPOINT` or `fusermount3 -u MOUNTPOINT`. Without upperdir the mount is read-only.",
      "Also runs as a mount helper: `mount -t fuse.lamina SOURCE MOUNTPOINT -o lowerdir=...`."
    },
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class) // `mount_program --version`, which podman info shows
public final class MountCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(MountCommand.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  @Spec CommandSpec spec;

  @Option(
      names = "-o",
      paramLabel = "OPTIONS",
      description =
          "Comma-separated: lowerdir=A:B:C (\\: escapes a colon), upperdir=DIR, workdir=DIR,"
              + " whiteout=chardev|wh|auto, fsname=, subtype=, mount flags (nosuid, dev, ...), libfuse options"
              + " (entry_timeout=, ...), fuse-overlayfs options (uidmapping=, squash_to_uid=, ...)."
              + " Unknown options are ignored.")
  List<String> options = new ArrayList<>();

  @Option(names = {"-f", "--foreground"}, description = "Stay in the foreground until unmounted.")
  boolean foreground;

  @Option(names = {"-d", "--debug"}, description = "libfuse debug output (implies -f).")
  boolean debug;

  @Option(
      names = {"-s", "--single-thread"},
      description = "Serve requests on one thread (same as -o single_thread): less CPU on serial workloads,"
          + " no parallelism between processes.")
  boolean singleThread;

  @Option(names = "--log", paramLabel = "FILE", description = "Append the daemon's log to FILE.")
  Path log;

  @Option(names = "--ready-notify", hidden = true, description = "Print READY on stdout when live.")
  boolean readyNotify;

  @Parameters(arity = "1..2", paramLabel = "[SOURCE|REF] MOUNTPOINT",
      description = "MOUNTPOINT alone (or after a SOURCE name shown in /proc/mounts) with -o lowerdir=...; or REF,"
          + " an image reference (as lamina load takes, or a name in the store), then MOUNTPOINT: mounts the image"
          + " with a container's upper dir from the store.")
  List<String> positional;

  // The image form (layer helper): `lamina mount REF MNT` without lowerdir= mounts an image from the store.
  @picocli.CommandLine.Mixin StoreOptions store;

  @Option(names = "--name", paramLabel = "NAME", description = "REF form: the container (upper dir) to create or re-use.")
  String name;

  @Option(names = "--read-only", description = "REF form: mount without an upper dir.")
  boolean readOnly;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "REF form: the platform to take from a multi-platform image (default: this machine's).")
  String platform;

  /** Whether the filesystem became live (a container it used is then kept, whatever happens after). */
  private boolean wentLive;

  /** Set by the shared daemon: mount in this JVM, add the mount here, and return once it is live. */
  private ServedMounts served;

  /** The directory relative paths resolve against: the client's, when the shared daemon runs the command. */
  private Path cwd = Path.of("").toAbsolutePath();

  /** Set by the shared daemon for a mount the client made in its own namespace and passed as descriptors. */
  private PassedMount passed;

  /** The command as the shared daemon runs it for a mount passed by a client in another namespace. */
  static MountCommand passed(ServedMounts served, Path cwd, PassedMount passed) {
    MountCommand c = served(served, cwd);
    c.passed = passed;
    return c;
  }

  /** The command as the shared daemon runs it for a client whose working directory is {@code cwd}. */
  static MountCommand served(ServedMounts served, Path cwd) {
    MountCommand c = new MountCommand();
    c.served = served;
    c.cwd = cwd;
    return c;
  }

  @Override
  public Integer call() throws Exception {
    if (Remount.requested(options)) {
      // mount(8)'s `-o remount` through the mount helper: the mount exists, only its flags change
      Path mnt = cwd.resolve(positional.get(positional.size() - 1));
      try {
        Remount.run(options, mnt);
      } catch (IllegalArgumentException | IOException e) {
        throw new UserError("remount of " + mnt + " failed: " + e.getMessage());
      }
      return 0;
    }
    if ((foreground || debug) && served == null) {
      FuseMount.warmUpInBackground(options);
    }
    StoreMount.Plan plan = null;
    if (positional.size() == 2 && options.stream().noneMatch(o -> o.contains("lowerdir="))) {
      plan = StoreMount.plan(store.open(), positional.get(0), name, readOnly, platform);
      options = new ArrayList<>(options);
      options.addAll(plan.options());
      positional = new ArrayList<>(List.of(positional.get(1)));
    }
    try {
      return mount(plan);
    } finally {
      if (plan != null && !wentLive) {
        StoreMount.undo(store.open(), plan); // a failed mount leaves no container behind
      }
    }
  }

  private int mount(StoreMount.Plan plan) throws Exception {
    if (singleThread) {
      options = new ArrayList<>(options);
      options.add(FuseArgs.SINGLE_THREAD);
    }
    if (plan == null && platform != null) {
      throw new UserError("--platform chooses an image of the REF form (lamina mount REF MOUNTPOINT); it has no"
          + " meaning with lowerdir=");
    }
    String source = positional.size() == 2 ? positional.get(0) : null;
    Path mnt = cwd.resolve(positional.get(positional.size() - 1));
    MountOptions o;
    Path realMnt;
    try {
      if (passed != null) {
        return runPassed(source);
      }
      o = MountOptions.parse(options, source, cwd);
      Unions.validate(o);
      realMnt = MountPreflight.check(o, mnt);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    LOG.debug("ignored options: {}", o.ignored());
    if (plan != null && plan.container() != null) {
      store.open().containers().setMountpoint(plan.container(), realMnt);
      spec.commandLine().getErr().println("lamina: " + plan.image().id().substring(7, 19) + " on " + realMnt
          + " (container " + plan.container() + ")");
    }
    if (served != null) {
      return runServed(o, realMnt);
    }
    if (!foreground && !debug) {
      int code = background(realMnt);
      wentLive = code == 0;
      return code;
    }
    return runForeground(o, realMnt);
  }

  private int runForeground(MountOptions o, Path mnt) throws IOException, InterruptedException {
    // while this process lives, rmi and prune keep the store layers it serves (released by the kernel at exit)
    LayerUseLocks inUse = LayerUseLocks.hold(o.lowerDirs());
    UnionFs union = Unions.open(o);
    FuseMount m = FuseMount.mount(union, mnt, o, debug, READY_TIMEOUT);
    wentLive = true;
    m.haltOnUnmount();
    // SIGTERM/SIGINT: unmount cleanly so that no dead mount ("transport endpoint not connected") stays.
    Thread hook = new Thread(() -> closeQuietly(m), "lamina-unmount");
    Runtime.getRuntime().addShutdownHook(hook);
    if (readyNotify) {
      System.out.println(BackgroundMount.READY);
      System.out.flush();
      // The parent stops reading after READY; nothing more may go to that pipe.
      System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    }
    int code = m.awaitUnmount();
    m.close();
    inUse.close();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
    return code;
  }

  /** Hands the mount to the shared daemon (log and private mode aside), or to a JVM of its own. */
  private int background(Path realMnt) throws IOException, InterruptedException {
    if (log == null && DaemonMode.shared(options)) {
      List<String> args = new ArrayList<>(); // what the daemon runs: the options, [SOURCE] and MOUNTPOINT
      List<String> child = childArgs(realMnt);
      int first = child.indexOf("-o");
      args.addAll(first < 0 ? child.subList(child.size() - 1, child.size()) : child.subList(first, child.size()));
      return MountClient.run(args);
    }
    return BackgroundMount.start(childArgs(realMnt), log, READY_TIMEOUT, spec.commandLine().getErr());
  }

  /**
   * In the shared daemon: mounts here and leaves the mount to the daemon's table, which closes its union and
   * releases its layers when the kernel drops it.
   */
  private int runServed(MountOptions o, Path mnt) throws IOException {
    // A mount unmounted a moment ago is still in the table until its session sees the kernel drop it; only a
    // FUSE mount still on the directory is in the way (the new entry then takes the name; see ServedMounts.add).
    if (served.serves(mnt.toString())
        && MountTable.find(mnt).filter(e -> e.fstype().startsWith("fuse")).isPresent()) {
      throw new UserError(mnt + " is already mounted by this daemon: unmount it first (fusermount3 -u " + mnt + ")");
    }
    LayerUseLocks inUse = LayerUseLocks.hold(o.lowerDirs());
    FuseMount m;
    try {
      m = FuseMount.mount(Unions.open(o), mnt, o, false, READY_TIMEOUT);
    } catch (IOException | RuntimeException e) {
      inUse.close();
      throw e;
    }
    wentLive = true;
    served.add(m, inUse);
    return 0;
  }

  /**
   * In the shared daemon, a mount a client made in another namespace: the overlay opens the passed directories
   * ({@code /proc/self/fd/N}; the client checked its paths), ids are shown as the client's user namespace maps them,
   * and the session serves the passed /dev/fuse descriptor. The mount point is the client's, only a name here.
   */
  private int runPassed(String source) throws IOException {
    List<String> opts = new ArrayList<>(options);
    opts.add(passed.dirOption()); // last: wins over the client's paths
    MountOptions o = MountOptions.parse(opts, source, cwd);
    if (!passed.peer().sameUserNamespace()) {
      opts.add("uidmapping=" + PassedMount.compose(o.overlay().get("uidmapping"), passed.peer().uidMap())
          + ",gidmapping=" + PassedMount.compose(o.overlay().get("gidmapping"), passed.peer().gidMap()));
      o = MountOptions.parse(opts, source, cwd);
    }
    Unions.validate(o);
    // No refusal when this daemon still serves a mount of that name: the client checked its namespace's mount table
    // and mounted, so that one was unmounted there and its session is ending, or was detached (umount -l) and is
    // still used through open files; it keeps being served until then, and the name is the new one's (as in
    // runServed; see ServedMounts.add).
    // the store's layer locks, by the paths the passed directories have here (when the store is visible here)
    List<Path> here = new ArrayList<>();
    for (Path d : o.lowerDirs()) {
      try {
        here.add(d.toRealPath());
      } catch (IOException e) {
        // not reachable by a path here: no lock
      }
    }
    LayerUseLocks inUse = LayerUseLocks.hold(here);
    FuseMount m;
    try {
      m = FuseMount.serve(Unions.open(o), passed.takeFuseFd(), passed.mountPoint(), passed.namespace(), o,
          READY_TIMEOUT);
    } catch (IOException | RuntimeException e) {
      inUse.close();
      throw e;
    }
    wentLive = true;
    passed.served();
    PassedMount p = passed;
    served.add(m, () -> {
      inUse.close();
      p.close();
    });
    return 0;
  }

  /** The same command for the child JVM: foreground, notifying, with absolute paths. */
  private List<String> childArgs(Path realMnt) {
    List<String> args = new ArrayList<>(List.of("mount", "-f", "--ready-notify"));
    if (Main.logLevel() != null) {
      args.addAll(List.of("--log-level", Main.logLevel())); // lamina --log-level L mount: the daemon logs at L too
    }
    // The child inherits our working directory, so relative dirs in the options resolve the same.
    for (String opt : options) {
      args.add("-o");
      args.add(opt);
    }
    if (positional.size() == 2) {
      args.add(positional.get(0));
    }
    args.add(realMnt.toString());
    return args;
  }

  private static void closeQuietly(FuseMount m) {
    try {
      m.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("unmounting {} on shutdown failed: {}", m.mountPoint(), e.getMessage());
    }
  }
}
