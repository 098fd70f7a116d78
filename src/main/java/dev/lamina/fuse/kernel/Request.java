package dev.lamina.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One request read from the device, decoded in place: the fuse_in_header fields, then a cursor over the
 * operation's arguments. One instance per worker thread, reused for every request it reads.
 */
final class Request {
  final ByteBuffer buf;
  int length;
  int opcode;
  long unique;
  long nodeid;
  int uid;
  int gid;
  int pid;
  private int pos;

  Request(int capacity) {
    // untouched memory: pages become resident only as requests (replies) that large use them
    buf = dev.lamina.sys.NativeBuffers.allocateUntouched(capacity).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Frees the buffer; called by the worker that owns it as it ends. */
  void free() {
    dev.lamina.sys.NativeBuffers.free(buf);
  }

  /** Decodes the header of the {@code n} bytes just read and puts the cursor on the arguments. */
  void parseHeader(int n) {
    length = n;
    opcode = buf.getInt(4);
    unique = buf.getLong(8);
    nodeid = buf.getLong(16);
    uid = buf.getInt(24);
    gid = buf.getInt(28);
    pid = buf.getInt(32);
    pos = Protocol.IN_HEADER;
  }

  int u32() {
    int v = buf.getInt(pos);
    pos += 4;
    return v;
  }

  long u64() {
    long v = buf.getLong(pos);
    pos += 8;
    return v;
  }

  void skip(int n) {
    pos += n;
  }

  /** The NUL-terminated name at the cursor (UTF-8), moving past its NUL. */
  String name() {
    int end = pos;
    while (end < length && buf.get(end) != 0) {
      end++;
    }
    byte[] b = new byte[end - pos];
    buf.get(pos, b);
    pos = Math.min(end + 1, length);
    return dev.lamina.sys.FileNames.decode(b); // names are bytes: exact, also when they are not UTF-8
  }

  /** The next {@code n} bytes as an array. */
  byte[] bytes(int n) {
    byte[] b = new byte[n];
    buf.get(pos, b);
    pos += n;
    return b;
  }

  /** A view of the next {@code n} bytes (valid until the next request is read into this buffer). */
  ByteBuffer slice(int n) {
    ByteBuffer s = buf.slice(pos, n);
    pos += n;
    return s;
  }
}
