package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A metadata-only copy (the kernel's metacopy=on: a regular file without data blocks carrying the metacopy
 * xattr, its data in a lower layer) is refused with EPERM, as by the kernel with metacopy=off, instead of
 * showing its empty data. A sparse file without the xattr is an ordinary file.
 *
 * <pre>
 * lower0: f "data", g "more"
 * upper:  f (sparse, 4 bytes, metacopy xattr), g (sparse, 4 bytes, no xattr)
 * </pre>
 */
@Timeout(60)
class MetacopyRefusalTest {
  @TempDir Path tmp;
  OverlayFs u;

  @AfterEach
  void tearDown() throws Exception {
    if (u != null) {
      u.close();
    }
  }

  @Test
  void aMetacopyInTheUpperLayer_isRefusedWithEperm() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    Fixture.file(fx.lowers[0], "f", "data");
    Fixture.file(fx.lowers[0], "g", "more");
    for (String n : new String[] {"f", "g"}) {
      try (RandomAccessFile r = new RandomAccessFile(fx.upper.resolve(n).toFile(), "rw")) {
        r.setLength(4); // no blocks, as the kernel's metadata-only copy
      }
    }
    String xattr = Fixture.isRoot() ? Metacopy.TRUSTED : Metacopy.USER;
    fx.fs.lsetxattr(AT_FDCWD, fx.upper.resolve("f").toString(), xattr, new byte[0], 0);
    u = fx.mount();
    int errno = 0;
    try {
      u.getattr("/f");
    } catch (ErrnoException e) {
      errno = e.errno();
    }
    assertThat(errno).isEqualTo(Errno.EPERM);
    assertThat(u.getattr("/g").size()).isEqualTo(4); // a sparse file is not a metacopy
  }
}
