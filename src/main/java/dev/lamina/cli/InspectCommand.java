package dev.lamina.cli;

import dev.lamina.image.Image;
import dev.lamina.image.ImageReference;
import dev.lamina.image.ImageResolver;
import dev.lamina.image.ImageSource;
import dev.lamina.image.Platform;
import dev.lamina.inspect.DockerInspect;
import dev.lamina.inspect.InspectBuilder;
import dev.lamina.inspect.InspectJson;
import dev.lamina.inspect.InspectTemplate;
import dev.lamina.layer.LayerStore;
import dev.lamina.layer.StoreImages;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lamina inspect REF...}: images' metadata in docker inspect's shape, or through a --format template. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Show images' metadata as 'docker image inspect' does: a JSON array with",
      "one object per REF. REF is one of oci:DIR[:TAG], oci-archive:FILE[:TAG],",
      "docker-archive:FILE[:NAME:TAG], dir:DIR, docker-store:[ROOT]IMAGE,",
      "containers-storage:[ROOT]IMAGE, a path to one of those, or a name or id",
      "in lamina's store."
    })
public final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Parameters(paramLabel = "REF", arity = "1..*", description = "The images to inspect.")
  List<String> refs;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "TEMPLATE",
      description = "Print through a Go template, e.g. '{{.Config.Cmd}}', '{{json .Config}}', "
          + "'{{index .RootFS.Layers 0}}', '{{range .Config.Env}}{{println .}}{{end}}'.")
  String format;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "The platform to pick from a multi-platform image (default: this host's).")
  String platform;

  @Override
  public Integer call() throws Exception {
    Platform p;
    try {
      p = platform == null ? null : Platform.parse(platform);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    InspectTemplate template = null;
    if (format != null) {
      try {
        template = InspectTemplate.parse(format);
      } catch (InspectTemplate.TemplateException e) {
        throw new UserError("template parsing error: " + e.getMessage());
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // open the store only when it exists: inspecting a file must not create /var/lib/lamina
    Path root = store.root();
    LayerStore s = Files.isDirectory(root) ? store.open() : null;
    ImageResolver resolver = s == null ? ImageSource.files() : StoreImages.resolver(s);
    List<DockerInspect> found = new ArrayList<>();
    int failed = 0;
    for (String ref : refs) {
      // like docker: report each image that cannot be read, print the others, exit 1 at the end
      try {
        ImageReference r = ImageSource.parse(ref);
        if (r instanceof ImageReference.StoreName && s == null) {
          throw new UserError("'" + ref + "' names an image in lamina's store, but there is no store at " + root
              + "; load the image first (lamina load REF) or give the store with --root", 1);
        }
        try (Image img = resolver.open(r, p)) {
          // measuring Size streams every layer not in a store: skip it when the template cannot print it
          found.add(InspectBuilder.of(img, s, template == null || template.mayUse("Size")));
        }
      } catch (IOException | UserError e) {
        if (refs.size() == 1) {
          throw e;
        }
        err.println("lamina: " + e.getMessage());
        failed++;
      }
    }
    if (template == null) {
      out.println(InspectJson.pretty(found));
    } else {
      for (DockerInspect inspect : found) {
        try {
          out.println(template.execute(inspect));
        } catch (InspectTemplate.TemplateException e) {
          throw new UserError("template: " + e.getMessage());
        }
      }
    }
    out.flush();
    err.flush();
    return failed == 0 ? 0 : 1;
  }
}
