package dev.lamina.cli;

import dev.lamina.layer.LayerStore;
import dev.lamina.sys.HostFs;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --root DIR} option of every command that uses lamina's store; without it the global {@code lamina
 * --root DIR} before the subcommand, else the default from LAMINA_ROOT or the user.
 */
public final class StoreOptions {
  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  @Option(
      names = "--root",
      paramLabel = "DIR",
      description = "The store directory (default: $LAMINA_ROOT, else /var/lib/lamina for root, "
          + "$XDG_DATA_HOME/lamina or ~/.local/share/lamina for other users).")
  Path root;

  public Path root() {
    if (root != null) {
      return root;
    }
    if (mixee != null && mixee.root().userObject() instanceof Main m && m.root != null) {
      return m.root;
    }
    return LayerStore.defaultRoot(System.getenv(), HostFs.get().geteuid());
  }

  public LayerStore open() throws IOException {
    return LayerStore.open(root());
  }
}
