package dev.lamina.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.UnixSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon socket's framing. A reply whose last part is empty (a mount's answer with nothing for stderr) used to
 * end with a send of no bytes after the client had read the whole reply; a client that had closed by then made it
 * fail with EPIPE ("a daemon request failed: sendmsg unix socket: errno 32" in daemon.log after first mounts).
 */
class FramesTest {
  @TempDir Path tmp;

  @Test
  void aMessageWithAnEmptyLastPartRoundTrips() throws Exception {
    Path sock = tmp.resolve("s");
    try (UnixSocket server = UnixSocket.listen(sock); UnixSocket client = UnixSocket.connect(sock);
        UnixSocket conn = server.accept()) {
      Frames.write(conn.output(), List.of("0", "", "x\u00e9", ""));
      assertThat(Frames.read(client.input())).containsExactly("0", "", "x\u00e9", "");
    }
  }

  @Test
  void writingNothingToAPeerThatClosedSendsNothing() throws Exception {
    Path sock = tmp.resolve("s");
    try (UnixSocket server = UnixSocket.listen(sock); UnixSocket conn = acceptClosed(server, sock)) {
      conn.output().write(new byte[0]); // failed with EPIPE before
      assertThatThrownBy(() -> conn.output().write(new byte[] {1}))
          .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPIPE));
    }
  }

  /** A connection whose client has already closed its end. */
  private static UnixSocket acceptClosed(UnixSocket server, Path sock) throws Exception {
    UnixSocket client = UnixSocket.connect(sock);
    UnixSocket conn = server.accept();
    client.close();
    return conn;
  }
}
