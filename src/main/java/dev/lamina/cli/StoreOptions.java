package dev.lamina.cli;

import dev.lamina.layer.LayerStore;
import dev.lamina.sys.HostFs;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --root DIR} option of every command that uses lamina's store (default from LAMINA_ROOT or the user). */
public final class StoreOptions {
  @Option(
      names = "--root",
      paramLabel = "DIR",
      description = "The store directory (default: $LAMINA_ROOT, else /var/lib/lamina for root, "
          + "$XDG_DATA_HOME/lamina or ~/.local/share/lamina for other users).")
  Path root;

  public Path root() {
    return root != null ? root : LayerStore.defaultRoot(System.getenv(), HostFs.get().geteuid());
  }

  public LayerStore open() throws IOException {
    return LayerStore.open(root());
  }
}
