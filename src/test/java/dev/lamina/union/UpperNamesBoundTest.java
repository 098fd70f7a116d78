package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs.Caller;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index of upper-directory names ({@link UpperNames}) holds the names the directories hold, not every name
 * they ever held: a long-lived mount where temporary files come and go under new names (mkstemp, write then
 * rename, build trees made and removed) must not grow with each of them.
 */
@Timeout(120)
class UpperNamesBoundTest {
  private static final int CHURN = 3000;

  @TempDir Path tmp;

  @Test
  void namesThatComeAndGoDoNotAccumulate() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    Fixture.file(fx.lowers[0], "merged/lower", "l"); // a directory merged with a lower one
    Caller me = Fixture.self();
    try (OverlayFs u = fx.mount(WhiteoutFormat.FILE)) {
      u.mkdir("/tmpdir", 0755, me);
      u.release(u.create("/merged/keep", 0644, O_WRONLY | O_CREAT, me));
      int before = u.upperNamesKnown();
      for (int i = 0; i < CHURN; i++) {
        u.release(u.create("/tmpdir/tmp" + i, 0644, O_WRONLY | O_CREAT, me)); // a temporary file
        u.unlink("/tmpdir/tmp" + i);
        u.release(u.create("/merged/.new" + i, 0644, O_WRONLY | O_CREAT, me)); // written, then renamed over
        u.rename("/merged/.new" + i, "/merged/keep", 0);
        u.mkdir("/tmpdir/sub" + i, 0755, me); // a directory made and removed
        u.rmdir("/tmpdir/sub" + i);
        u.release(u.create("/tmpdir/a" + i, 0644, O_WRONLY | O_CREAT, me)); // moved to another directory
        u.rename("/tmpdir/a" + i, "/merged/moved" + (i % 4), 0);
      }
      // the directories hold: tmpdir nothing, merged keep and moved0..3 (and the index knows them)
      assertThat(u.upperNamesKnown() - before).as("names indexed beyond those the directories hold").isLessThan(16);
      assertThat(Fixture.names(u, "/tmpdir")).isEmpty();
      assertThat(Fixture.names(u, "/merged")).containsExactly("keep", "lower", "moved0", "moved1", "moved2", "moved3");
      // a name that was removed is absent, and made again it is found
      assertThatThrownBy(() -> u.getattr("/tmpdir/tmp7")).isInstanceOf(ErrnoException.class);
      u.release(u.create("/tmpdir/tmp7", 0644, O_WRONLY | O_CREAT, me));
      assertThat(u.getattr("/tmpdir/tmp7").size()).isZero();
      assertThat(Files.exists(fx.upper.resolve("tmpdir/tmp7"))).isTrue();
    }
  }
}
