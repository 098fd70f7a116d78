package dev.lamina.cli;

import dev.lamina.inspect.LayerContainerDiff;
import dev.lamina.inspect.LayerDirScanner;
import dev.lamina.inspect.LayerTree;
import dev.lamina.layer.ContainerInfo;
import dev.lamina.layer.Containers;
import dev.lamina.layer.LayerStore;
import dev.lamina.layer.StoredImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lamina diff NAME}: what a container changed in its image (like {@code docker diff}). */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = {
      "Show what a container's upper dir changed, one path per line: A added, C changed, D deleted",
      "(like docker diff). NAME is a container of `lamina run --name NAME` or `lamina ps`."
    })
public final class DiffCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin StoreOptions store;

  @Parameters(index = "0", paramLabel = "NAME", description = "Container name.")
  String name;

  @Override
  public Integer call() throws Exception {
    Path root = store.root();
    if (!Files.isDirectory(root)) {
      throw new UserError("there is no lamina store at " + root + ", so no container " + name
          + " (give the store with --root)", 1);
    }
    LayerStore s = store.open();
    Containers cs = s.containers();
    ContainerInfo c = cs.get(name);
    if (c == null) {
      throw new UserError("no container named " + name + " in " + root + " (see `lamina ps`)", 1);
    }
    StoredImage img = s.find(c.imageId());
    if (img == null) {
      throw new UserError("container " + name + " belongs to image " + c.imageId() + ", which is no longer in the "
          + "store; its changes cannot be compared", 1);
    }
    LayerDirScanner.Xattrs xattrs = LayerXattrs.host();
    List<LayerTree> lowers = new ArrayList<>();
    for (Path dir : s.lowerDirs(img)) {
      lowers.add(LayerDirScanner.scan(dir, xattrs));
    }
    Path upper = cs.upperDir(name);
    LayerTree up = Files.isDirectory(upper) ? LayerDirScanner.scan(upper, xattrs) : new LayerTree();
    List<String> warnings = new ArrayList<>();
    PrintWriter out = spec.commandLine().getOut();
    for (LayerContainerDiff.Change ch : LayerContainerDiff.of(lowers, up, warnings)) {
      out.println(ch);
    }
    out.flush();
    for (String w : warnings) {
      spec.commandLine().getErr().println("lamina: warning: " + w);
    }
    return 0;
  }
}
