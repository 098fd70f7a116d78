package dev.lamina.cli;

import dev.lamina.fuse.MountTable;
import dev.lamina.layer.ContainerInfo;
import dev.lamina.layer.Containers;
import dev.lamina.layer.LayerStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lamina ps}: the named containers (upper dirs) in the store and where they are mounted. */
@Command(name = "ps", description = "List containers (writable upper dirs kept in lamina's store).")
public final class PsCommand implements Callable<Integer> {
  @Mixin StoreOptions store;

  @Option(names = {"-q", "--quiet"}, description = "Only names.")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    LayerStore s = store.open();
    Containers cs = s.containers();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "IMAGE", "IMAGE ID", "CREATED", "CHANGES", "MOUNTED ON"});
    for (ContainerInfo c : cs.list()) {
      if (quiet) {
        System.out.println(c.name());
        continue;
      }
      String id = c.imageId().substring(c.imageId().indexOf(':') + 1);
      rows.add(new String[] {c.name(), c.image(), id.substring(0, Math.min(12, id.length())), ImagesCommand.ago(c.created()),
          ProgressBar.size(cs.upperSize(c.name())), mountedOn(cs, c)});
    }
    if (!quiet) {
      Tables.print(System.out, rows);
    }
    return 0;
  }

  /** The mount point; "(dead)" after it when the process that served it is gone (the mount answers ENOTCONN). */
  private static String mountedOn(Containers cs, ContainerInfo c) throws java.io.IOException {
    if (!cs.isMounted(c)) {
      return "-";
    }
    return MountTable.isDead(java.nio.file.Path.of(c.mountpoint())) ? c.mountpoint() + " (dead)" : c.mountpoint();
  }
}
