package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.union.UnionFs.OpenFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * O_TMPFILE through the union (TmpfileScenarios compares the same with kernel overlayfs through FUSE).
 *
 * <pre>
 * lower0: low/deep/ (lower-only dirs), gone "lower"
 * </pre>
 */
@Timeout(60)
class TmpfileTest {
  @TempDir Path tmp;
  Fixture fx;
  OverlayFs u;

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp, 1);
    Fixture.dir(fx.lowers[0], "low/deep");
    Fixture.file(fx.lowers[0], "gone", "lower");
    u = fx.mount();
  }

  @Test
  void tmpfile_inALowerOnlyDir_copiesItUp_hasNoName_untilLinked() throws Exception {
    OpenFile f = u.tmpfile("/low/deep", 0640, O_RDWR, Fixture.self());
    try {
      assertThat(Files.isDirectory(fx.upper.resolve("low/deep"))).isTrue();
      write(f, "hello");
      assertThat(u.fgetattr(f).nlink()).isZero();
      assertThat(u.fgetattr(f).size()).isEqualTo(5);
      assertThat(fx.upper.resolve("low/deep").toFile().list()).isEmpty();
      u.linkOpen(f, "/low/deep/named");
      assertThat(u.getattr("/low/deep/named").nlink()).isEqualTo(1);
      assertThat(u.getattr("/low/deep/named").ino()).isEqualTo(u.fgetattr(f).ino());
      assertThat(Fixture.read(u, "/low/deep/named")).isEqualTo("hello");
      assertThatThrownBy(() -> u.linkOpen(f, "/low/deep/named"))
          .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
    } finally {
      u.release(f);
    }
  }

  @Test
  void tmpfile_withExcl_cannotBeLinked() throws Exception {
    OpenFile f = u.tmpfile("/", 0600, O_RDWR | O_EXCL, Fixture.self());
    try {
      assertThatThrownBy(() -> u.linkOpen(f, "/x"))
          .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
      assertThatThrownBy(() -> u.getattr("/x")).isInstanceOf(ErrnoException.class);
    } finally {
      u.release(f);
    }
  }

  @Test
  void linkOpen_overAWhiteout_replacesIt() throws Exception {
    u.unlink("/gone");
    OpenFile f = u.tmpfile("/", 0644, O_WRONLY, Fixture.self());
    try {
      write(f, "new");
      u.linkOpen(f, "/gone");
    } finally {
      u.release(f);
    }
    assertThat(Fixture.read(u, "/gone")).isEqualTo("new");
    assertThat(Files.isRegularFile(fx.upper.resolve("gone"))).isTrue();
    assertThat(fx.upper.resolve(".wh.gone")).doesNotExist();
  }

  @Test
  void tmpfile_takesTheUmaskAndTheCallersMode() throws Exception {
    OpenFile f = u.tmpfile("/", 0666, O_RDWR, new UnionFs.Caller(Fixture.self().uid(), Fixture.self().gid(), 027));
    try {
      assertThat(u.fgetattr(f).mode() & 07777).isEqualTo(0640);
    } finally {
      u.release(f);
    }
  }

  private void write(OpenFile f, String s) throws Exception {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocateDirect(b.length);
    buf.put(b).flip();
    u.write(f, buf, 0);
  }
}
