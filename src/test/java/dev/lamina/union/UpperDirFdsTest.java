package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.union.UnionFs.Caller;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The kept upper-directory fds: bounded, shared safely, all closed at unmount, and never stale. */
@Timeout(120)
class UpperDirFdsTest {
  @TempDir Path tmp;

  private static int openFds() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? 0 : fds.length;
  }

  @Test
  void manyDirectories_keepAtMostCapFds_andCloseAllAtUnmount() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    for (int i = 0; i < 300; i++) {
      Fixture.file(fx.lowers[0], "d" + i + "/low", "l");
    }
    Caller me = new Caller(fx.fs.geteuid(), fx.fs.getegid());
    int before = openFds();
    try (OverlayFs u = fx.mount(WhiteoutFormat.FILE)) {
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 300; i++) {
          u.release(u.create("/d" + i + "/new" + round, 0644, O_WRONLY | O_CREAT, me));
          u.unlink("/d" + i + (round == 0 ? "/low" : "/new0"));
        }
      }
      assertThat(openFds() - before).isBetween(0, UpperDirFds.CAP + 16); // the layers, the work dir, the kept fds
      for (int i = 0; i < 300; i++) {
        assertThat(Fixture.names(u, "/d" + i)).containsExactly("new1");
        assertThat(Files.exists(fx.upper.resolve("d" + i + "/new1"))).isTrue();
        assertThat(Files.exists(fx.upper.resolve("d" + i + "/.wh.low"))).isTrue();
      }
    }
    assertThat(openFds()).isLessThanOrEqualTo(before);
  }

  @Test
  void directoryRemovedAndMadeAgain_newEntriesLandInTheNewOne() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    Caller me = new Caller(fx.fs.geteuid(), fx.fs.getegid());
    try (OverlayFs u = fx.mount(WhiteoutFormat.FILE)) {
      for (int i = 0; i < 5; i++) {
        u.mkdir("/a", 0755, me);
        u.release(u.create("/a/f" + i, 0644, O_WRONLY | O_CREAT, me)); // keeps an fd of /a
        assertThat(Fixture.names(u, "/a")).containsExactly("f" + i);
        u.unlink("/a/f" + i);
        u.rmdir("/a");
        assertThat(Files.exists(fx.upper.resolve("a"))).isFalse();
      }
      u.mkdir("/b", 0755, me);
      u.release(u.create("/b/x", 0644, O_WRONLY | O_CREAT, me));
      u.rename("/b", "/c", 0);
      u.mkdir("/b", 0755, me);
      u.release(u.create("/b/y", 0644, O_WRONLY | O_CREAT, me));
      assertThat(Fixture.names(u, "/b")).containsExactly("y");
      assertThat(Fixture.names(u, "/c")).containsExactly("x");
      assertThat(Files.exists(fx.upper.resolve("b/y"))).isTrue();
    }
  }
}
