package dev.lamina.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.fuse.kernel.Reply.Timeout;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.Timespec;
import org.junit.jupiter.api.Test;

/** Pins the byte layout of the structs lamina writes (linux/fuse.h; identical on x86_64 and arm64). */
class ProtocolLayoutTest {
  private static final Attr ATTR =
      new Attr(
          0x1111, 0100644, 3, 1000, 1001, 0x0801, 12345, 24, 4096, new Timespec(10, 11),
          new Timespec(20, 21), new Timespec(30, 31));

  @Test
  void fuseAttrFieldsSitWhereTheKernelReadsThem() {
    Reply r = new Reply(256).start(7);
    r.attr(ATTR);
    int base = Protocol.OUT_HEADER;
    assertThat(r.buf.position() - base).isEqualTo(Protocol.ATTR);
    assertThat(r.buf.getLong(base)).isEqualTo(0x1111); // ino
    assertThat(r.buf.getLong(base + 8)).isEqualTo(12345); // size
    assertThat(r.buf.getLong(base + 16)).isEqualTo(24); // blocks
    assertThat(r.buf.getLong(base + 24)).isEqualTo(10); // atime
    assertThat(r.buf.getLong(base + 32)).isEqualTo(20); // mtime
    assertThat(r.buf.getLong(base + 40)).isEqualTo(30); // ctime
    assertThat(r.buf.getInt(base + 48)).isEqualTo(11); // atimensec
    assertThat(r.buf.getInt(base + 52)).isEqualTo(21);
    assertThat(r.buf.getInt(base + 56)).isEqualTo(31);
    assertThat(r.buf.getInt(base + 60)).isEqualTo(0100644); // mode
    assertThat(r.buf.getInt(base + 64)).isEqualTo(3); // nlink
    assertThat(r.buf.getInt(base + 68)).isEqualTo(1000); // uid
    assertThat(r.buf.getInt(base + 72)).isEqualTo(1001); // gid
    assertThat(r.buf.getInt(base + 76)).isEqualTo(0x0801); // rdev
    assertThat(r.buf.getInt(base + 80)).isEqualTo(4096); // blksize
  }

  @Test
  void entryOutIsNodeTimeoutsThenAttr() {
    Reply r = new Reply(256).start(7);
    r.entry(42, ATTR, new Timeout(1, 500), new Timeout(2, 600));
    assertThat(r.buf.position() - Protocol.OUT_HEADER).isEqualTo(Protocol.ENTRY_OUT).isEqualTo(128);
    assertThat(r.buf.getLong(16)).isEqualTo(42);
    assertThat(r.buf.getLong(16 + 16)).isEqualTo(1);
    assertThat(r.buf.getLong(16 + 24)).isEqualTo(2);
    assertThat(r.buf.getInt(16 + 32)).isEqualTo(500);
    assertThat(r.buf.getInt(16 + 36)).isEqualTo(600);
    assertThat(r.buf.getLong(16 + 40)).isEqualTo(0x1111);
    int len = r.finish(0);
    assertThat(len).isEqualTo(16 + 128);
    assertThat(r.buf.getInt(0)).isEqualTo(len);
    assertThat(r.buf.getLong(8)).isEqualTo(7);
  }

  @Test
  void errorRepliesAreTheHeaderAloneWithMinusErrno() {
    Reply r = new Reply(64).start(9);
    r.u64(1);
    assertThat(r.finish(2)).isEqualTo(16);
    assertThat(r.buf.getInt(4)).isEqualTo(-2);
  }

  @Test
  void direntsArePaddedToEightBytes() {
    Reply r = new Reply(256).start(1);
    r.dirent(5, 1, 0040000, Reply.utf8("abc"));
    assertThat(r.buf.position() - 16).isEqualTo(32).isEqualTo(Reply.direntSize(3));
    assertThat(r.buf.getInt(16 + 16)).isEqualTo(3); // namelen
    assertThat(r.buf.getInt(16 + 20)).isEqualTo(4); // DT_DIR
    assertThat(Reply.direntSize(8)).isEqualTo(32);
    assertThat(Reply.direntSize(9)).isEqualTo(40);
  }

  @Test
  void requestHeaderAndNamesDecode() {
    Request rq = new Request(128);
    rq.buf.putInt(0, 60).putInt(4, Protocol.LOOKUP).putLong(8, 77).putLong(16, 1).putInt(24, 1000)
        .putInt(28, 100).putInt(32, 4242);
    byte[] name = "dir\0x\0".getBytes();
    rq.buf.put(40, name);
    rq.parseHeader(40 + name.length);
    assertThat(rq.opcode).isEqualTo(Protocol.LOOKUP);
    assertThat(rq.unique).isEqualTo(77);
    assertThat(rq.uid).isEqualTo(1000);
    assertThat(rq.pid).isEqualTo(4242);
    assertThat(rq.name()).isEqualTo("dir");
    assertThat(rq.name()).isEqualTo("x");
  }

  @Test
  void timeoutsSplitIntoSecondsAndNanoseconds() {
    assertThat(Timeout.ofSeconds(1.25)).isEqualTo(new Timeout(1, 250_000_000));
    assertThat(Timeout.ofSeconds(0)).isEqualTo(new Timeout(0, 0));
  }
}
