package dev.lamina.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.CommandLine;

/**
 * Reports the project version and the commit it was built from, written into the jar at build time
 * ({@code dev/lamina/version.properties} filtered by Maven, {@code dev/lamina/commit} from git describe).
 */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = "unknown";
    try (InputStream in = Main.class.getResourceAsStream("/dev/lamina/version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        version = p.getProperty("version", version);
      }
    } catch (IOException e) {
      // keep "unknown"
    }
    String commit = "unknown";
    try (InputStream in = Main.class.getResourceAsStream("/dev/lamina/commit")) {
      if (in != null) {
        commit = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
    } catch (IOException e) {
      // keep "unknown"
    }
    return new String[] {"lamina " + version + " (commit " + commit + ")"};
  }
}
