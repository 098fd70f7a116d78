package dev.lamina.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.image.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line itself: global options, --help and --version texts, error messages, mount's --platform. */
class CommandLineTest {
  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static Result lamina(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void mountTakesAPlatform_andNamesAMissingOne() throws Exception {
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    Result r = lamina("mount", "--root", tmp.resolve("store").toString(), "--platform", "linux/s390x",
        "oci:" + TestImages.path("multi") + ":latest", mnt.toString());
    assertThat(r.code()).as(r.err()).isNotZero();
    assertThat(r.err()).doesNotContain("Unknown option")
        .contains("no image for platform linux/s390x", "platforms present: linux/amd64, linux/arm64/v8");
    assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(mnt.toString());
  }
}
