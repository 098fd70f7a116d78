package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.sys.Stat;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.Caller;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * New entries get the caller's owner and the requested mode although create and mkdir now make them with
 * their final mode and chown/chmod only when the stat says so: other owners, set-id bits (which chown clears),
 * setgid directories (their group and, for directories, the bit itself), and modes a umask would narrow.
 */
@Timeout(60)
class CreateOwnershipTest {
  @TempDir Path tmp;

  private Stat upperStat(Fixture fx, String rel) throws Exception {
    return fx.fs.lstat(AT_FDCWD, fx.upper.resolve(rel).toString());
  }

  @Test
  void asRoot_otherCallers_setIdBits_setgidParents() throws Exception {
    assumeTrue(Fixture.isRoot(), "chown needs root");
    Fixture fx = new Fixture(tmp, 1);
    Fixture.dir(fx.lowers[0], "lower");
    try (OverlayFs u = fx.mount(WhiteoutFormat.FILE)) {
      Caller other = new Caller(1234, 5678);
      u.release(u.create("/f", 04755, O_WRONLY | O_CREAT | O_EXCL, other));
      Stat f = upperStat(fx, "f");
      assertThat(f.uid()).isEqualTo(1234);
      assertThat(f.gid()).isEqualTo(5678);
      assertThat(f.mode() & 07777).isEqualTo(04755); // set after the chown that would clear it
      assertThat(u.getattr("/f").mode() & 07777).isEqualTo(04755);

      u.mkdir("/d", 0777, other); // wider than a usual umask allows
      Stat d = upperStat(fx, "d");
      assertThat(d.uid()).isEqualTo(1234);
      assertThat(d.mode() & 07777).isEqualTo(0777);
      Attr da = u.getattr("/d");
      assertThat(da.uid()).isEqualTo(1234);
      assertThat(da.mode() & 07777).isEqualTo(0777);

      u.chmod("/d", 02775);
      Caller me = new Caller(0, 0);
      u.mkdir("/d/sub", 0755, me);
      u.release(u.create("/d/file", 0666, O_WRONLY | O_CREAT | O_EXCL, me));
      assertThat(upperStat(fx, "d/sub").gid()).isEqualTo(5678); // BSD group semantics
      assertThat(upperStat(fx, "d/sub").mode() & 07777).isEqualTo(02755);
      assertThat(upperStat(fx, "d/file").gid()).isEqualTo(5678);
      assertThat(upperStat(fx, "d/file").mode() & 07777).isEqualTo(0666);
      assertThat(u.getattr("/d/sub").mode() & 07777).isEqualTo(02755);

      u.mkdir("/lower/new", 0700, other); // in a parent copied up first
      assertThat(upperStat(fx, "lower/new").uid()).isEqualTo(1234);
      assertThat(u.getattr("/lower/new").mode() & 07777).isEqualTo(0700);
    }
  }
}
