package dev.lamina.cli;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lamina run}: runs a command in an image (or a root directory) without root, in fresh namespaces. */
@Command(
    name = "run",
    description = {
      "Run a command in a container of an image, without root: user, mount, pid, uts and ipc namespaces.",
      "REF may also be a root directory, which is used as it is (no image config, no overlay)."
    })
public final class RunCommand implements Callable<Integer> {

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

  @Option(names = {"-i", "--interactive"}, description = "keep stdin open (it is always passed through)")
  boolean interactive;

  @Option(names = {"-t", "--tty"}, description = "the command uses lamina's terminal (sets TERM)")
  boolean tty;

  @Option(names = {"-h", "--hostname"}, paramLabel = "NAME", description = "hostname inside (default: lamina)")
  String hostname;

  @Override
  public Integer call() throws Exception {
    Path root = Path.of(ref).toAbsolutePath();
    if (!Files.isDirectory(root)) {
      throw new UserError(
          "lamina run: " + ref + " is not a root directory, and running images needs the image store"
              + " (lamina load), which this build does not have yet");
    }
    try {
      return runIn(root, ImageDefaults.NONE);
    } catch (RunException e) {
      throw new UserError("lamina run: " + e.getMessage(), 125);
    }
  }

  /** Plans and runs the command in {@code root}, printing the plan's warnings once. */
  int runIn(Path root, ImageDefaults image) throws RunException {
    HostTools tools = HostTools.find();
    StringBuilder note = new StringBuilder();
    IdMapping mapping =
        HostIds.mapping(tools, Path.of("/etc/subuid"), Path.of("/etc/subgid"), note);
    Path cwd = Path.of("").toAbsolutePath();
    List<BindMount> binds = new ArrayList<>();
    for (String v : volumes) {
      try {
        binds.add(BindMount.parse(v, cwd));
      } catch (IllegalArgumentException e) {
        throw new UserError("lamina run: " + e.getMessage());
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
            System.getenv());
    if (note.length() > 0) {
      System.err.println("lamina run: " + note);
    }
    plan.warnings().forEach(w -> System.err.println("lamina run: " + w));
    return new NamespaceExecutor(tools).run(plan);
  }
}
