package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DEVICE format on a host that refuses device nodes and trusted.* xattrs (root in a user namespace): the
 * union falls back to the rootless forms. The host calls are real except that mknod of a character device,
 * RENAME_WHITEOUT and setting a trusted.* xattr answer EPERM, as they do there.
 *
 * <pre>
 * lower0: f, d/x
 * </pre>
 */
@Timeout(120)
class WhiteoutFallbackTest {
  @TempDir Path tmp;

  static HostFs refusingDevices() {
    HostFs real = HostFs.get();
    return (HostFs) Proxy.newProxyInstance(HostFs.class.getClassLoader(), new Class<?>[] {HostFs.class},
        (p, m, args) -> {
          String n = m.getName();
          if (n.equals("mknodat") && ((int) args[2] & S_IFMT) == S_IFCHR
              || n.equals("renameat2") && ((int) args[4] & RENAME_WHITEOUT) != 0
              || n.equals("lsetxattr") && ((String) args[2]).startsWith("trusted.")) {
            throw new ErrnoException(Errno.EPERM, n, String.valueOf(args[1]));
          }
          try {
            return m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void deviceFormatRefused_writesWhFilesAndUserOpaque() throws Exception {
    Fixture fx = new Fixture(tmp, 1);
    Fixture.file(fx.lowers[0], "f", "f");
    Fixture.file(fx.lowers[0], "g", "g");
    Fixture.file(fx.lowers[0], "d/x", "x");
    try (OverlayFs u = new OverlayFs(refusingDevices(), fx.config().whiteoutFormat(WhiteoutFormat.DEVICE).build())) {
      u.unlink("/f");
      u.rename("/g", "/h", 0);
      u.unlink("/d/x");
      u.rmdir("/d");
      u.mkdir("/d", 0755, Fixture.ROOT);
      assertThat(Files.exists(fx.upper.resolve(".wh.f"))).isTrue();
      assertThat(Files.exists(fx.upper.resolve(".wh.g"))).isTrue();
      assertThat(Files.exists(fx.upper.resolve("d/.wh..wh..opq"))).isTrue();
      assertThat(Fixture.names(u, "/")).containsExactly("d", "h");
      assertThat(Fixture.names(u, "/d")).isEmpty();
    }
  }
}
