package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.conformance.FsDriver;
import dev.lamina.conformance.FuseOverlay;
import dev.lamina.conformance.OverlayTarget;
import dev.lamina.conformance.Scenario;
import dev.lamina.conformance.Shell;
import dev.lamina.conformance.Step;
import dev.lamina.testing.DevFuseOpen;
import dev.lamina.testing.HostStateLock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * lamina mounted by an unprivileged user: whiteouts must be written as {@code .wh.NAME} files and opaque
 * markers as {@code user.overlay.opaque=y} plus {@code .wh..wh..opq}, since such a user can neither
 * mknod 0/0 devices nor set trusted.* xattrs; and the resulting upper dir must read back as a lower layer.
 *
 * <p>Runs as root to set up, then acts as the user {@value TestUser#NAME} (created with useradd if
 * missing, removed again afterwards). <b>It changes /dev/fuse to mode 0666 for the duration of the test
 * and restores the previous mode in a finally block</b>, because the machine's /dev/fuse is 0600.
 */
@ExtendWith(HostStateLock.class)
class UnprivilegedMountIT {

  @Test
  @Timeout(300)
  void unprivilegedMountWritesPortableWhiteoutsAndOpaqueMarkers() throws Exception {
    TestUser.assumeUsable();

    Path dir = Files.createTempDirectory(Path.of("/tmp"), "diff-unpriv-");
    try (TestUser user = TestUser.ensure(); DevFuseOpen open = DevFuseOpen.toEveryone()) {
      FuseOverlay lamina = FuseOverlay.lamina(user.installLauncher(dir.resolve("home")));
      Path bottom = dir.resolve("lower1");
      Path top = dir.resolve("lower0");
      build(bottom, Scenario.named("bottom", "").op("mkdir", "d").op("create", "d/a", "a")
          .op("create", "d/b", "b").op("create", "f", "f").op("mkdir", "o").op("create", "o/x", "x")
          .op("create", "o/y", "y").build().steps());
      build(top, Scenario.named("top", "").op("create", "top", "t").op("mkdir", "d")
          .op("create", "d/c", "c").build().steps());
      Path upper = dir.resolve("upper");
      Path work = dir.resolve("work");
      Path mnt = dir.resolve("mnt");
      for (Path p : List.of(upper, work, mnt)) {
        Files.createDirectories(p);
      }
      user.own(dir);

      List<Step> steps = Scenario.named("unpriv", "")
          .op("unlink", "f").op("unlink", "d/a").op("unlink", "o/x").op("unlink", "o/y")
          .op("rmdir", "o").op("mkdir", "o").op("create", "o/new", "n").op("append", "d/b", "+")
          .op("listdir", ".").op("listdir", "d").op("listdir", "o").op("stat", "d/b").build().steps();
      FsDriver.Result r;
      try (OverlayTarget.Mounted m =
          lamina.mount(user.prefix(), List.of(top, bottom), upper, work, mnt)) {
        r = FsDriver.run(user.prefix(), mnt, steps, false, null);
      }
      for (int i = 0; i < 8; i++) {
        assertThat(FsDriver.outcome(r.steps().get(i))).as("step %s", steps.get(i).label()).isEqualTo("ok");
      }
      assertThat(r.steps().get(8).get("ok").toString()).isEqualTo("[\"d\",\"o\",\"top\"]");
      assertThat(r.steps().get(9).get("ok").toString()).isEqualTo("[\"b\",\"c\"]");
      assertThat(r.steps().get(10).get("ok").toString()).isEqualTo("[\"new\"]");
      assertThat(r.steps().get(11).get("ok").get("uid").asInt()).as("owner of copied-up d/b")
          .isEqualTo(user.uid);

      // the upper dir, as the user left it
      assertThat(upper.resolve(".wh.f")).as("whiteout file for f").isRegularFile();
      assertThat(upper.resolve("d/.wh.a")).as("whiteout file for d/a").isRegularFile();
      assertThat(upper.resolve("o/.wh..wh..opq")).as("opaque marker file in o").exists();
      assertThat(userXattr(upper.resolve("o"), "overlay.opaque")).as("user.overlay.opaque on o")
          .isEqualTo("y");
      assertThat(Files.readString(upper.resolve("d/b"))).isEqualTo("b+");
      assertThat(charDevices(upper)).as("no 0/0 device whiteouts from an unprivileged mount").isEmpty();

      // the old upper dir as the top lower layer of a read-only mount shows the same tree
      Path mnt2 = dir.resolve("mnt2");
      Files.createDirectories(mnt2);
      user.own(mnt2);
      List<Step> check = Scenario.named("reread", "").op("listdir", ".").op("listdir", "d")
          .op("listdir", "o").op("read", "d/b").op("create", "x", "x").build().steps();
      FsDriver.Result r2;
      try (OverlayTarget.Mounted m =
          lamina.mount(user.prefix(), List.of(upper, top, bottom), null, null, mnt2)) {
        r2 = FsDriver.run(user.prefix(), mnt2, check, false, null);
      }
      assertThat(r2.steps().get(0).get("ok").toString()).isEqualTo("[\"d\",\"o\",\"top\"]");
      assertThat(r2.steps().get(1).get("ok").toString()).isEqualTo("[\"b\",\"c\"]");
      assertThat(r2.steps().get(2).get("ok").toString()).isEqualTo("[\"new\"]");
      assertThat(r2.steps().get(3).get("ok").asText()).isEqualTo("b+");
      assertThat(FsDriver.outcome(r2.steps().get(4))).as("create on a mount without upperdir")
          .isEqualTo("EROFS");
    } finally {
      Shell.run("rm", "-rf", dir.toString());
    }
  }

  private static void build(Path layer, List<Step> steps) throws IOException {
    Files.createDirectories(layer);
    FsDriver.Result r = FsDriver.run(layer, steps, false, null);
    r.steps().forEach(s -> assertThat(FsDriver.outcome(s)).isEqualTo("ok"));
  }

  private static String userXattr(Path p, String name) throws IOException {
    UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
        LinkOption.NOFOLLOW_LINKS);
    if (!v.list().contains(name)) {
      return null;
    }
    ByteBuffer buf = ByteBuffer.allocate(v.size(name));
    v.read(name, buf);
    return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
  }

  private static List<Path> charDevices(Path root) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p,
            LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(p)
            && Shell.check("stat", "-c", "%F", p.toString()).contains("character")) {
          out.add(root.relativize(p));
        }
      }
    }
    return out;
  }
}
