package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.image.TestImages;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lamina mount --platform P REF MNT} mounts the image of that platform from a multi-platform index. */
class MountPlatformIT {
  @TempDir Path tmp;

  private record Result(int code, String out) {}

  private Result lamina(String... args) throws Exception {
    Path out = tmp.resolve("out.txt");
    List<String> cmd = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("lamina.home", ".")).toAbsolutePath().resolve("scripts/lamina").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), Files.readString(out));
  }

  @Test
  void mountTakesTheIndexEntryOfThePlatform() throws Exception {
    assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && Files.isReadable(Path.of("/dev/fuse")),
        "needs /dev/fuse access");
    String store = tmp.resolve("store").toString();
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    Result m = lamina("mount", "--root", store, "--platform", "linux/arm64",
        "oci:" + TestImages.path("multi") + ":latest", mnt.toString());
    assumeTrue(m.code() == 0 || !m.out().contains("fuse"), "cannot mount FUSE here: " + m.out());
    try {
      assertThat(m.code()).as(m.out()).isZero();
      assertThat(Files.exists(mnt.resolve("etc"))).isTrue();
      String id = m.out().replaceAll("(?s).*lamina: ([0-9a-f]{12}) on .*", "$1");
      Result inspect = lamina("inspect", "--root", store, id);
      assertThat(inspect.out()).as(inspect.out()).contains("\"Architecture\": \"arm64\"");
    } finally {
      new ProcessBuilder("fusermount3", "-u", mnt.toString()).inheritIO().start().waitFor();
    }
  }
}
