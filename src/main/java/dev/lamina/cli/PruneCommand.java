package dev.lamina.cli;

import dev.lamina.layer.LayerStore;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code lamina prune}: removes layers no image uses and leftovers of interrupted loads. */
@Command(name = "prune", description = "Remove layers that no image uses and leftovers of interrupted loads.")
public final class PruneCommand implements Callable<Integer> {
  @Mixin StoreOptions store;

  @Override
  public Integer call() throws Exception {
    LayerStore s = store.open();
    List<String> done = s.prune();
    done.forEach(System.out::println);
    System.out.println(done.isEmpty() ? "Nothing to prune" : "Pruned " + done.size() + " item(s)");
    return 0;
  }
}
