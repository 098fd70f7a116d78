package dev.lamina.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.sys.UnixSocket;
import dev.lamina.union.IdMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The id maps a passed mount gets from its client's user namespace, and descriptors passed over a socket. */
class PassedMountTest {
  @TempDir Path tmp;

  @Test
  void theNamespacesMapShowsTheDisksIdsAsTheNamespaceSeesThem() {
    // unshare -Ur by uid 1000: inside 0 is outside 1000
    IdMap m = IdMap.parse(PassedMount.compose(null, List.of(new long[] {0, 1000, 1})));
    assertThat(m.toPresented(1000)).isZero();
    assertThat(m.toPresented(0)).as("unmapped on disk: the overflow id").isEqualTo(IdMap.OVERFLOW_ID);
  }

  @Test
  void aGivenMapIsComposedWithTheNamespaces() throws Exception {
    // the client asked for ids 0-9 of its namespace to show as 100-109; its namespace maps 0-65535 to 200000-
    List<long[]> ns = List.of(new long[] {0, 200000, 65536});
    IdMap m = IdMap.parse(PassedMount.compose("0:100:10", ns));
    assertThat(m.toPresented(200003)).isEqualTo(103);
    assertThat(m.toBacking(105, "/x")).isEqualTo(200005);
    assertThat(m.toPresented(200010)).isEqualTo(IdMap.OVERFLOW_ID);
    // nothing of the given map inside the namespace: every owner is the overflow id
    IdMap none = IdMap.parse(PassedMount.compose("70000:0:1", ns));
    assertThat(none.toPresented(200000)).isEqualTo(IdMap.OVERFLOW_ID);
  }

  @Test
  void descriptorsPassOverTheSocketWithThePeersCredentials() throws Exception {
    Path sock = tmp.resolve("s");
    Path dir = Files.createDirectories(tmp.resolve("layer"));
    Files.writeString(dir.resolve("f"), "through the descriptor\n");
    try (UnixSocket server = UnixSocket.listen(sock); UnixSocket client = UnixSocket.connect(sock);
        UnixSocket conn = server.accept()) {
      int fd = UnixSocket.openDirectory(dir);
      try {
        client.send("hello".getBytes(), new int[] {fd});
      } finally {
        UnixSocket.closeFd(fd);
      }
      byte[] b = new byte[16];
      int n = conn.receive(b, 0, b.length);
      assertThat(new String(b, 0, n)).isEqualTo("hello");
      List<Integer> got = conn.takeFds(5);
      assertThat(got).hasSize(1);
      assertThat(Files.readString(Path.of("/proc/self/fd/" + got.get(0) + "/f"))).isEqualTo("through the descriptor\n");
      UnixSocket.closeFd(got.get(0));
      UnixSocket.Credentials peer = conn.peer();
      assertThat(peer.pid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(peer.uid()).isEqualTo(DaemonPaths.uid());
    }
  }
}
