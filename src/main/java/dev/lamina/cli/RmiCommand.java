package dev.lamina.cli;

import dev.lamina.layer.LayerStore;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lamina rmi REF...}: untags or removes images, and the layers no other image uses. */
@Command(name = "rmi", description = "Remove images (a tag, or the image by its last tag or id) from lamina's store.")
public final class RmiCommand implements Callable<Integer> {
  @Mixin StoreOptions store;

  @Parameters(arity = "1..*", paramLabel = "REF", description = "NAME[:TAG] or id (prefix)")
  List<String> refs;

  @Option(names = {"-f", "--force"}, description = "Remove even when containers use the image (they keep their upper dirs).")
  boolean force;

  @Override
  public Integer call() throws Exception {
    LayerStore s = store.open();
    for (String r : refs) {
      for (String line : s.remove(r, force)) {
        System.out.println(line);
      }
    }
    return 0;
  }
}
