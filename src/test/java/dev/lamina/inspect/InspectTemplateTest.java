package dev.lamina.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go template behaviour docker users rely on, checked against what Go's text/template prints for the same data. */
class InspectTemplateTest {
  static final DockerInspect SAMPLE = sample();

  static DockerInspect sample() {
    Map<String, DockerInspect.EmptyObject> ports = new LinkedHashMap<>();
    ports.put("8080/tcp", DockerInspect.EmptyObject.INSTANCE);
    ports.put("53/udp", DockerInspect.EmptyObject.INSTANCE);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("z.last", "2");
    labels.put("a.first", "1 one");
    DockerInspect.Config c = new DockerInspect.Config("app", ports, List.of("A=1", "B=two words"),
        List.of("sh", "-c", "echo"), null, "/w", null, labels, null);
    Map<String, String> gd = new LinkedHashMap<>();
    gd.put("LowerDir", "/s/l2:/s/l1");
    gd.put("UpperDir", null);
    return new DockerInspect("sha256:abc", List.of("x:1", "y:2"), List.of(), "", "", "2024-01-02T03:04:05Z", "me",
        c, "arm64", "v8", "linux", null, 1234, new DockerInspect.GraphDriver(gd, "lamina"),
        new DockerInspect.RootFs("layers", List.of("sha256:d1", "sha256:d2")),
        List.of(new DockerInspect.History("t", "RUN x", null, null, false),
            new DockerInspect.History("t", "ENV y", null, null, true)));
  }

  static String run(String template) throws Exception {
    return InspectTemplate.parse(template).execute(SAMPLE);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = "=>", quoteCharacter = '\'', value = {
      "{{.Id}}                               => sha256:abc",
      "{{.Config.Cmd}}                       => [sh -c echo]",
      "{{json .Config.Cmd}}                  => [\"sh\",\"-c\",\"echo\"]",
      "{{.Config.Entrypoint}}                => []",
      "{{json .Config.Entrypoint}}           => null",
      "{{.Config.Labels}}                    => map[a.first:1 one z.last:2]",
      "{{.Config.ExposedPorts}}              => map[53/udp:{} 8080/tcp:{}]",
      "{{json .Config.ExposedPorts}}         => {\"8080/tcp\":{},\"53/udp\":{}}",
      "{{.Config.Volumes}}                   => map[]",
      "{{.Config.StopSignal}}=>''",
      "{{.RootFS.Layers}}                    => [sha256:d1 sha256:d2]",
      "{{index .RootFS.Layers 1}}            => sha256:d2",
      "{{index .Config.Labels \"a.first\"}}  => 1 one",
      "{{.Config.Labels.nope}}               => <no value>",
      "{{index .Config.Labels \"nope\"}}=>''",
      "{{len .RootFS.Layers}}                => 2",
      "{{.Size}}                             => 1234",
      "{{.Architecture}}/{{.Variant}}        => arm64/v8",
      "{{join .Config.Env \",\"}}            => A=1,B=two words",
      "{{range .RepoTags}}<{{.}}>{{end}}     => <x:1><y:2>",
      "{{range .RepoDigests}}x{{else}}none{{end}} => none",
      "{{if .Config.Entrypoint}}e{{else}}no entrypoint{{end}} => no entrypoint",
      "{{with .Config}}{{.User}}{{end}}      => app",
      "{{.GraphDriver.Data.LowerDir}}        => /s/l2:/s/l1",
      "{{.GraphDriver.Data}}                 => map[LowerDir:/s/l2:/s/l1 UpperDir:]",
      "{{.GraphDriver.Name}}                 => lamina",
      "{{range .History}}{{if not .EmptyLayer}}{{.CreatedBy}};{{end}}{{end}} => RUN x;",
      "{{.Config.Cmd | json}}                => [\"sh\",\"-c\",\"echo\"]",
      "{{.Config.Env | len}}                 => 2",
      "{{upper .Os}} {{lower \"AB\"}}         => LINUX ab",
      "{{printf \"%s-%d\" .Os .Size}}         => linux-1234",
      "{{if eq .Os \"linux\" \"darwin\"}}yes{{end}} => yes",
      "{{(index .History 1).CreatedBy}}      => ENV y",
      "a {{- \" b \" -}} c                    => a b c",
      "{{json .RootFS}}                      => {\"Type\":\"layers\",\"Layers\":[\"sha256:d1\",\"sha256:d2\"]}",
      "{{.RootFS}}                           => {layers [sha256:d1 sha256:d2]}",
  })
  void printsLikeGo(String template, String expected) throws Exception {
    assertThat(run(template.strip())).isEqualTo(expected);
  }

  @Test
  void mayUseFindsFieldsAnywhereAndTheWholeDot() throws Exception {
    assertThat(InspectTemplate.parse("{{.Config.Cmd}}").mayUse("Size")).isFalse();
    assertThat(InspectTemplate.parse("{{.Size}}").mayUse("Size")).isTrue();
    assertThat(InspectTemplate.parse("x{{if .Os}}{{printf \"%d\" .Size}}{{end}}").mayUse("Size")).isTrue();
    assertThat(InspectTemplate.parse("{{json .}}").mayUse("Size")).isTrue();
    assertThat(InspectTemplate.parse("{{range .RepoTags}}{{.}}{{end}}").mayUse("Size")).isTrue(); // conservative
  }

  @Test
  void rangeWithPrintlnGivesOneLinePerElement() throws Exception {
    assertThat(run("{{range .Config.Env}}{{println .}}{{end}}")).isEqualTo("A=1\nB=two words\n");
  }

  @Test
  void errorsNameTheFieldOrConstruct() {
    assertThatThrownBy(() -> run("{{.Nope}}")).hasMessageContaining("can't evaluate field Nope");
    assertThatThrownBy(() -> run("{{.Config.Nope}}")).hasMessageContaining("can't evaluate field Nope in type Config");
    assertThatThrownBy(() -> run("{{index .RootFS.Layers 5}}")).hasMessageContaining("index out of range: 5");
    assertThatThrownBy(() -> InspectTemplate.parse("{{.Id")).hasMessageContaining("has no '}}'");
    assertThatThrownBy(() -> InspectTemplate.parse("{{range .RepoTags}}x")).hasMessageContaining("no {{end}}");
    assertThatThrownBy(() -> InspectTemplate.parse("{{end}}")).hasMessageContaining("unexpected {{end}}");
    assertThatThrownBy(() -> run("{{nosuch .Id}}")).hasMessageContaining("function \"nosuch\" not defined");
    assertThatThrownBy(() -> InspectTemplate.parse("{{$x := .Id}}")).hasMessageContaining("variables");
  }
}
