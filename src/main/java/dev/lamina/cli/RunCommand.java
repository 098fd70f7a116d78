package dev.lamina.cli;

import dev.lamina.daemon.DaemonMode;
import dev.lamina.image.ImageConfig;
import dev.lamina.image.Platform;
import dev.lamina.layer.Containers;
import dev.lamina.layer.LayerStore;
import dev.lamina.layer.LoadListener;
import dev.lamina.layer.StoreImages;
import dev.lamina.layer.StoredImage;
import dev.lamina.run.BindMount;
import dev.lamina.run.HostIds;
import dev.lamina.run.HostTools;
import dev.lamina.run.IdMapping;
import dev.lamina.run.ImageDefaults;
import dev.lamina.run.NamespaceExecutor;
import dev.lamina.run.RootfsPreparer;
import dev.lamina.run.RunException;
import dev.lamina.run.RunOptions;
import dev.lamina.run.RunPlan;
import dev.lamina.sys.HostFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lamina run}: runs a command in an image (or a root directory) without root, in fresh namespaces. */
@Command(
    name = "run",
    description = {
      "Run a command in a container of an image, without root: user, mount, pid, uts and ipc namespaces.",
      "The image is loaded into the store if needed and mounted with a fresh writable upper dir (kept as a",
      "container: --name to re-enter it, --rm to remove it, lamina ps to list them).",
      "REF may also be a root directory, which is used as it is (no image config, no overlay)."
    })
public final class RunCommand implements Callable<Integer> {
  @Mixin StoreOptions store;

  @Parameters(index = "0", paramLabel = "REF", description = "image reference, or a root directory")
  String ref;

  @Parameters(index = "1..*", paramLabel = "CMD", description = "command and arguments (after --); replaces Cmd")
  List<String> command = new ArrayList<>();

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VAL", description = "set an environment variable")
  List<String> env = new ArrayList<>();

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "working directory inside")
  String workdir;

  @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "name|uid[:group|gid]")
  String user;

  @Option(names = {"-v", "--volume"}, paramLabel = "HOST:CONTAINER[:ro]", description = "bind mount")
  List<String> volumes = new ArrayList<>();

  @Option(names = "--read-only", description = "mount the container's root read-only")
  boolean readOnly;

  @Option(names = {"-i", "--interactive"}, description = "pass stdin to the command (else it reads /dev/null)")
  boolean interactive;

  @Option(names = {"-t", "--tty"}, description = "the command uses lamina's terminal (sets TERM)")
  boolean tty;

  @Option(names = {"-h", "--hostname"}, paramLabel = "NAME", description = "hostname inside (default: the container's name; lamina for a root directory)")
  String hostname;

  @Option(names = "--name", paramLabel = "NAME", description = "container name: its upper dir is kept to re-enter")
  String name;

  @Option(names = "--rm", description = "remove the container (its upper dir) when the command ends")
  boolean rm;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "platform of a multi-platform image")
  String platform;

  @Option(names = {"-q", "--quiet"}, description = "no progress output while loading")
  boolean quiet;

  @Option(names = "--daemon", paramLabel = "shared|private",
      description = "who serves the container's root: the user's shared mount daemon (default, or LAMINA_DAEMON),"
          + " or private: this lamina process")
  String daemon;

  @Override
  public Integer call() throws Exception {
    Path dir = Path.of(ref).toAbsolutePath();
    try {
      if (isRootDirectory(dir)) {
        if (name != null || rm) {
          throw new UserError("--name and --rm need an image; " + ref + " is a root directory");
        }
        return runIn(dir, ImageDefaults.NONE, false);
      }
      return runImage();
    } catch (RunException e) {
      throw new UserError(e.getMessage(), 125);
    }
  }

  /** Loads (if needed), mounts a container of the image, runs the command in it, and unmounts. */
  private int runImage() throws Exception {
    LayerStore s = store.open();
    LoadListener progress = quiet ? LoadListener.NONE : ProgressBar.stderr();
    StoredImage img = StoreImages.ensure(s, ref, platform == null ? null : Platform.parse(platform), progress);
    ImageDefaults defaults = ImageDefaults.of(ImageConfig.parse(s.configBytes(img), "config of " + ref));
    HostTools tools = HostTools.find();
    StringBuilder note = new StringBuilder();
    IdMapping mapping = HostIds.mapping(tools, Path.of("/etc/subuid"), Path.of("/etc/subgid"), note);
    String container = name != null ? name : Containers.newName();
    if (hostname == null) {
      hostname = container; // docker uses the container's id
    }
    boolean root = HostFs.get().geteuid() == 0;
    boolean shared;
    try {
      shared = DaemonMode.shared(daemon == null ? List.of() : List.of("daemon=" + daemon));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage().replace("daemon=", "--daemon="));
    }
    try (RunContainer c = RunContainer.open(s, img, container, rm, mapping, root, shared)) {
      // a kill of lamina (SIGTERM/SIGINT are handled while the command runs) still unmounts
      Thread hook = new Thread(() -> closeQuietly(c), "lamina-run-unmount");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        return runIn(c.root(), defaults, !c.allowOther(), tools, mapping, note);
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down: the hook unmounts
        }
      }
    }
  }

  /** A directory that is not an image layout (OCI layout, docker save, dir:) is a root to run in as it is. */
  private boolean isRootDirectory(Path dir) {
    return !ref.contains(":")
        && Files.isDirectory(dir)
        && !Files.exists(dir.resolve("oci-layout"))
        && !Files.exists(dir.resolve("index.json"))
        && !Files.exists(dir.resolve("manifest.json"));
  }

  private static void closeQuietly(RunContainer c) {
    try {
      c.close();
    } catch (Exception e) {
      System.err.println("lamina run: unmounting failed: " + e.getMessage());
    }
  }

  private int runIn(Path root, ImageDefaults image, boolean rootOnlyAccess) throws RunException {
    HostTools tools = HostTools.find();
    StringBuilder note = new StringBuilder();
    IdMapping mapping = HostIds.mapping(tools, Path.of("/etc/subuid"), Path.of("/etc/subgid"), note);
    return runIn(root, image, rootOnlyAccess, tools, mapping, note);
  }

  /** Plans and runs the command in {@code root}, printing the plan's warnings once. */
  private int runIn(
      Path root, ImageDefaults image, boolean rootOnlyAccess, HostTools tools, IdMapping mapping,
      StringBuilder note)
      throws RunException {
    Path cwd = Path.of("").toAbsolutePath();
    List<BindMount> binds = new ArrayList<>();
    for (String v : volumes) {
      try {
        binds.add(BindMount.parse(v, cwd));
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }
    RunOptions opts =
        new RunOptions(command, env, workdir, user, binds, readOnly, tty, interactive, hostname);
    RunPlan plan =
        RunPlan.of(
            root,
            image,
            opts,
            RootfsPreparer.readImageFile(root, "/etc/passwd"),
            RootfsPreparer.readImageFile(root, "/etc/group"),
            mapping,
            System.getenv(),
            rootOnlyAccess);
    if (note.length() > 0) {
      OnceNote.print(store.root(), "subordinate-ids", "lamina run: " + note + " (said once)");
    }
    plan.warnings().forEach(w -> System.err.println("lamina run: " + w));
    return new NamespaceExecutor(tools).run(plan);
  }
}
