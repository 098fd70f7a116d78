package dev.lamina;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.testing.Exec;
import dev.lamina.testing.DevFuseOpen;
import dev.lamina.testing.HostStateLock;
import dev.lamina.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first set-up command, {@code scripts/example}, runs lamina's main job on the bundled image: as
 * whoever runs the tests, and, when that is root, also as an ordinary user (created with useradd as
 * {@value #USER} and removed again; <b>/dev/fuse is set to mode 0666 for that run and its previous mode
 * restored</b>, since a fresh machine has it 0600).
 */
@ExtendWith(HostStateLock.class)
class ExampleScriptIT {
  private static final String USER = "lamina-example";
  private static final Duration TIMEOUT = Duration.ofMinutes(5);
  private static final Path DEV_FUSE = Path.of("/dev/fuse");

  @TempDir Path tmp;

  @Test
  void runsAsTheCurrentUser() throws Exception {
    assumeTrue(Files.isReadable(DEV_FUSE) && Files.isWritable(DEV_FUSE), "needs read-write access to /dev/fuse");
    assumeTrue(isRoot() || Tools.onPath("fusermount3"), "needs fusermount3 to mount without root");
    Path checkout = Path.of("").toAbsolutePath();
    Exec r = run(List.of(checkout.resolve("scripts/example").toString(), tmp.resolve("store").toString()));
    assertExampleRan(r);
  }

  @Test
  void runsAsAnOrdinaryUser() throws Exception {
    assumeTrue(isRoot(), "needs root to create the ordinary user it runs as");
    assumeTrue(Tools.onPath("useradd") && Tools.onPath("userdel") && Tools.onPath("runuser")
        && Tools.onPath("fusermount3"), "needs useradd, userdel, runuser and fusermount3");
    assumeTrue(Files.exists(DEV_FUSE), "needs /dev/fuse");
    // a copy the user can read whatever the checkout's place (it may be under /root)
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "lamina-example-it-");
    boolean created = false;
    try (DevFuseOpen open = DevFuseOpen.toEveryone()) {
      Path checkout = Path.of("").toAbsolutePath();
      for (String p : List.of("scripts/example", "scripts/lamina", "target/lamina.jar")) {
        Files.createDirectories(dir.resolve(p).getParent());
        Files.copy(checkout.resolve(p), dir.resolve(p));
      }
      Exec.output(null, TIMEOUT, List.of("cp", "-a", checkout.resolve("src").toString(), dir.toString()));
      if (Exec.run(null, TIMEOUT, List.of("id", "-u", USER)).orElseThrow().code() != 0) {
        Exec.output(null, TIMEOUT, List.of("useradd", "--system", "--no-create-home", "--shell",
            "/usr/sbin/nologin", USER));
        created = true;
      }
      Exec.output(null, TIMEOUT, List.of("chown", "-R", USER + ":", dir.toString()));
      Exec r = run(List.of("runuser", "-u", USER, "--", "env", "HOME=" + dir,
          dir.resolve("scripts/example").toString(), dir.resolve("store").toString()));
      assertExampleRan(r);
    } finally {
      Exec.output(null, TIMEOUT, List.of("rm", "-rf", dir.toString()));
      if (created) {
        // userdel refuses while a process of the user is still exiting (the daemon after fusermount3 -u)
        for (int i = 0; i < 20 && Exec.run(null, TIMEOUT, List.of("userdel", USER)).orElseThrow().code() != 0; i++) {
          Thread.sleep(500);
        }
      }
    }
  }

  private static Exec run(List<String> cmd) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(cmd);
    return Exec.run(null, TIMEOUT, all).orElseThrow(() -> new IOException("cannot run " + cmd));
  }

  /** Loaded, listed, mounted, read through the mount, written, diffed, unmounted and removed. */
  private static void assertExampleRan(Exec r) {
    assertThat(r.code()).as("scripts/example: %s%s", r.out(), r.err()).isZero();
    assertThat(r.out())
        .contains("Welcome to the lamina example image")
        .contains("No such file or directory") // /etc/issue, deleted by layer 1
        .contains("new.txt") // /opt/app/data, replaced by layer 1
        .contains("written-through-lamina")
        .contains("C /etc/motd")
        .contains("example done");
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
