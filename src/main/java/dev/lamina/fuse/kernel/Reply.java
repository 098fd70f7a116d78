package dev.lamina.fuse.kernel;

import dev.lamina.union.UnionFs.Attr;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reply under construction: fuse_out_header, then the operation's result structs. One instance per worker
 * thread; {@link #start} resets it for the next request.
 */
final class Reply {
  final ByteBuffer buf;
  private long unique;

  Reply(int capacity) {
    // untouched memory: pages become resident only as requests (replies) that large use them
    buf = dev.lamina.sys.NativeBuffers.allocateUntouched(capacity).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Frees the buffer; called by the worker that owns it as it ends. */
  void free() {
    dev.lamina.sys.NativeBuffers.free(buf);
  }

  Reply start(long unique) {
    this.unique = unique;
    buf.clear();
    buf.position(Protocol.OUT_HEADER);
    return this;
  }

  /** Writes the header for what was put so far (or for an error alone) and returns the reply's length. */
  int finish(int errno) {
    int len = errno == 0 ? buf.position() : Protocol.OUT_HEADER;
    buf.putInt(0, len);
    buf.putInt(4, -errno);
    buf.putLong(8, unique);
    return len;
  }

  /** A notification: unique 0, its code in the error field. */
  int finishNotify(int code) {
    int len = buf.position();
    buf.putInt(0, len);
    buf.putInt(4, code);
    buf.putLong(8, 0);
    return len;
  }

  int remaining() {
    return buf.remaining();
  }

  Reply u32(int v) {
    buf.putInt(v);
    return this;
  }

  Reply u64(long v) {
    buf.putLong(v);
    return this;
  }

  Reply bytes(byte[] b) {
    buf.put(b);
    return this;
  }

  /** Room for {@code n} bytes of data at the current position, which the caller fills and then skips. */
  ByteBuffer window(int n) {
    return buf.slice(buf.position(), n);
  }

  void advance(int n) {
    buf.position(buf.position() + n);
  }

  /** struct fuse_attr. */
  Reply attr(Attr a) {
    buf.putLong(a.ino());
    buf.putLong(a.size());
    buf.putLong(a.blocks());
    buf.putLong(a.atime().sec());
    buf.putLong(a.mtime().sec());
    buf.putLong(a.ctime().sec());
    buf.putInt((int) a.atime().nsec());
    buf.putInt((int) a.mtime().nsec());
    buf.putInt((int) a.ctime().nsec());
    buf.putInt(a.mode());
    buf.putInt((int) a.nlink());
    buf.putInt(a.uid());
    buf.putInt(a.gid());
    // glibc's dev_t and the kernel's new_encode_dev agree on the low 32 bits (major < 4096).
    buf.putInt((int) a.rdev());
    buf.putInt(a.blksize());
    buf.putInt(0);
    return this;
  }

  /** struct fuse_entry_out; nodeid 0 with no attr is a negative entry cached for {@code entryValid}. */
  Reply entry(long nodeid, Attr a, Timeout entryValid, Timeout attrValid) {
    buf.putLong(nodeid);
    buf.putLong(0); // generation: node ids are never reused
    buf.putLong(entryValid.sec());
    buf.putLong(attrValid.sec());
    buf.putInt(entryValid.nsec());
    buf.putInt(attrValid.nsec());
    if (a == null) {
      for (int i = 0; i < Protocol.ATTR; i += 8) {
        buf.putLong(0);
      }
      return this;
    }
    return attr(a);
  }

  /** struct fuse_dirent (d_type is the S_IFMT bits shifted down), padded to 8 bytes. */
  Reply dirent(long ino, long nextOffset, int typeBits, byte[] name) {
    buf.putLong(ino);
    buf.putLong(nextOffset);
    buf.putInt(name.length);
    buf.putInt(typeBits >>> 12);
    buf.put(name);
    int pad = direntSize(name.length) - Protocol.DIRENT - name.length;
    for (int i = 0; i < pad; i++) {
      buf.put((byte) 0);
    }
    return this;
  }

  static int direntSize(int nameLength) {
    return (Protocol.DIRENT + nameLength + 7) & ~7;
  }

  /** A name's bytes ({@link dev.lamina.sys.FileNames}: exact, also when they are not UTF-8). */
  static byte[] utf8(String s) {
    return dev.lamina.sys.FileNames.encode(s);
  }

  /** A cache lifetime as the protocol's seconds plus nanoseconds. */
  record Timeout(long sec, int nsec) {
    boolean isZero() {
      return sec == 0 && nsec == 0;
    }

    static Timeout ofSeconds(double s) {
      long whole = (long) Math.floor(s);
      return new Timeout(whole, (int) Math.round((s - whole) * 1e9));
    }
  }
}
