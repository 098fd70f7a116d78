package dev.lamina.cli;

import dev.lamina.image.Image;
import dev.lamina.image.ImageReference;
import dev.lamina.image.ImageResolver;
import dev.lamina.image.ImageSource;
import dev.lamina.image.Platform;
import dev.lamina.inspect.DockerInspect;
import dev.lamina.inspect.InspectGraphDriver;
import dev.lamina.inspect.InspectJson;
import dev.lamina.inspect.InspectSize;
import dev.lamina.inspect.InspectTemplate;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lamina inspect REF}: the image's metadata in docker inspect's shape, or through a --format template. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Show an image's metadata as 'docker image inspect' does (a JSON array of one object).",
      "REF: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME:TAG], dir:DIR,",
      "docker-store:[ROOT]IMAGE, containers-storage:[ROOT]IMAGE, a path to one of those, or a name or id in",
      "lamina's store."
    })
public final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "REF", description = "The image to inspect.")
  String ref;

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
    ImageReference r = ImageSource.parse(ref);
    ImageResolver resolver = ImageSource.files();
    DockerInspect inspect;
    try (Image img = resolver.open(r, p)) {
      long size = InspectSize.of(img);
      Map<String, String> gd = InspectGraphDriver.data(InspectGraphDriver.extractedDirs(img), null, null, null);
      inspect = DockerInspect.of(img, size, gd);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (template == null) {
      out.println(InspectJson.pretty(List.of(inspect)));
    } else {
      try {
        out.println(template.execute(inspect));
      } catch (InspectTemplate.TemplateException e) {
        throw new UserError("template: " + e.getMessage());
      }
    }
    out.flush();
    return 0;
  }
}
