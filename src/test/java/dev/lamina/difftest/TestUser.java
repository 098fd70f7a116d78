package dev.lamina.difftest;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.conformance.FuseOverlay;
import dev.lamina.conformance.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/**
 * An unprivileged account for tests that must not run as root: created with useradd when missing (and
 * removed again by {@link #close()} if this object created it), and a private copy of the launcher and
 * jar it can read (the checkout may sit under a directory only root can enter, like /root).
 */
public final class TestUser implements AutoCloseable {

  public static final String NAME = "lamina-test";
  private final boolean created;
  final int uid;
  final int gid;

  private TestUser(boolean created, int uid, int gid) {
    this.created = created;
    this.uid = uid;
    this.gid = gid;
  }

  /**
   * Skips the test, saying why, unless it can act as this user: it runs as root (to create the user and open
   * /dev/fuse to it), lamina can mount here, and runuser, useradd and {@code moreTools} are on the PATH.
   */
  public static void assumeUsable(String... moreTools) {
    assumeTrue(Shell.isRoot(), "needs root to create the test user and open /dev/fuse to it");
    String why = FuseOverlay.lamina().unavailableReason();
    assumeTrue(why == null, () -> "lamina cannot mount here: " + why);
    List<String> tools = Stream.concat(Stream.of("runuser", "useradd"), Stream.of(moreTools)).toList();
    assumeTrue(tools.stream().allMatch(Shell::onPath), () -> "needs "
        + String.join(", ", tools.subList(0, tools.size() - 1)) + " and " + tools.get(tools.size() - 1));
  }

  public static TestUser ensure() throws IOException {
    boolean created = false;
    if (!Shell.run("id", "-u", NAME).ok()) {
      Shell.check("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NAME);
      created = true;
    }
    int uid = Integer.parseInt(Shell.check("id", "-u", NAME).strip());
    int gid = Integer.parseInt(Shell.check("id", "-g", NAME).strip());
    return new TestUser(created, uid, gid);
  }

  /** The prefix that runs a command as this user (runuser keeps the environment, e.g. JAVA_HOME). */
  public List<String> prefix() {
    return List.of("runuser", "-u", NAME, "--");
  }

  /** Copies scripts/lamina and target/lamina.jar to {@code home} so this user can run them. */
  public Path installLauncher(Path home) throws IOException {
    Path src = FuseOverlay.laminaHome();
    Files.createDirectories(home.resolve("scripts"));
    Files.createDirectories(home.resolve("target"));
    Files.copy(src.resolve("scripts/lamina"), home.resolve("scripts/lamina"));
    Files.copy(src.resolve("target/lamina.jar"), home.resolve("target/lamina.jar"));
    Shell.check("chmod", "-R", "a+rX", home.toString());
    Files.setPosixFilePermissions(home.resolve("scripts/lamina"),
        PosixFilePermissions.fromString("rwxr-xr-x"));
    return home.resolve("scripts/lamina");
  }

  /** Gives the whole tree to this user. */
  public void own(Path dir) throws IOException {
    Shell.check("chown", "-R", uid + ":" + gid, dir.toString());
  }

  @Override
  public void close() throws IOException {
    if (!created) {
      return;
    }
    // userdel refuses while a process of the user is still exiting (a daemon after fusermount3 -u)
    Shell.Result r = Shell.run("userdel", NAME);
    for (int i = 0; i < 20 && !r.ok(); i++) {
      FuseOverlay.sleep(500);
      r = Shell.run("userdel", NAME);
    }
    if (!r.ok()) {
      throw new IOException("userdel " + NAME + " failed: " + r.err().strip());
    }
  }
}
