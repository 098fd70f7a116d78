package dev.lamina.cli;

import dev.lamina.layer.LayerStore;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lamina rm NAME...}: removes containers' upper and work dirs (not while mounted). */
@Command(name = "rm", description = "Remove containers (their upper dirs) from lamina's store.")
public final class RmCommand implements Callable<Integer> {
  @Mixin StoreOptions store;

  @Parameters(arity = "1..*", paramLabel = "NAME", description = "Containers to remove, by name (see lamina ps).")
  List<String> names;

  @Override
  public Integer call() throws Exception {
    LayerStore s = store.open();
    for (String n : names) {
      List<String> alsoDeleted = s.containers().remove(n);
      System.out.println(n);
      alsoDeleted.forEach(System.out::println); // an image rmi -f removed while this container used it
    }
    return 0;
  }
}
