package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lamina.image.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's inspect commands through the shaded jar ({@code scripts/lamina}), on the committed example image,
 * as a fresh checkout runs them: the id is the sha256 of the config blob the layout's manifest names.
 */
class InspectIT {
  static final Path HOME = Path.of(System.getProperty("lamina.home", ".")).toAbsolutePath().normalize();
  static final ObjectMapper M = new ObjectMapper();

  static String lamina(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = HOME.resolve("scripts/lamina").toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).directory(HOME.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd)).isZero();
    return out;
  }

  @Test
  void inspectsTheExampleImage() throws Exception {
    Path layout = HOME.resolve("src/example/busybox-layers");
    JsonNode index = M.readTree(layout.resolve("index.json").toFile());
    String manifest = index.get("manifests").get(0).get("digest").asText().substring(7);
    JsonNode m = M.readTree(layout.resolve("blobs/sha256/" + manifest).toFile());
    String config = m.get("config").get("digest").asText();
    byte[] configBytes = Files.readAllBytes(layout.resolve("blobs/sha256/" + config.substring(7)));
    assertThat(Digest.sha256Of(configBytes).toString()).isEqualTo(config);

    JsonNode out = M.readTree(lamina("inspect", "src/example/busybox-layers"));
    assertThat(out.get(0).get("Id").asText()).isEqualTo(config);
    assertThat(out.get(0).get("RootFS").get("Layers").size()).isEqualTo(3);
    assertThat(lamina("inspect", "-f", "{{.Config.Cmd}} {{.Config.WorkingDir}}", "oci:src/example/busybox-layers:latest"))
        .isEqualTo("[/bin/sh -c cat /etc/motd] /opt/app\n");
  }
}
