package dev.lamina.daemon;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The socket's framing: a message is a list of strings, sent as a count then each as length and UTF-8 bytes
 * (so arguments may hold any character). A request is {@code [op, cwd, mount ns, user ns, args...]}, a reply
 * {@code [exit code, text for stderr, ...]}.
 */
final class Frames {
  /** Bounds that a peer cannot make us allocate past. */
  static final int MAX_STRINGS = 4096;
  private static final int MAX_BYTES = 1 << 20;

  private Frames() {}

  static void write(OutputStream out, List<String> msg) throws IOException {
    // one send for the message, not one per byte of each length (DataOutputStream writes an int byte by byte)
    DataOutputStream d = new DataOutputStream(new java.io.BufferedOutputStream(out, 8192));
    d.writeInt(msg.size());
    for (String s : msg) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      d.writeInt(b.length);
      d.write(b);
    }
    d.flush();
  }

  /** Reads one message; EOFException when the peer closed before a whole one arrived. */
  static List<String> read(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    int n = d.readInt();
    if (n < 0 || n > MAX_STRINGS) {
      throw new IOException("malformed daemon message: " + n + " parts");
    }
    List<String> msg = new ArrayList<>(n);
    int total = 0;
    for (int i = 0; i < n; i++) {
      int len = d.readInt();
      total += len;
      if (len < 0 || total > MAX_BYTES) {
        throw new IOException("malformed daemon message: part of " + len + " bytes");
      }
      byte[] b = new byte[len];
      d.readFully(b);
      msg.add(new String(b, StandardCharsets.UTF_8));
    }
    return msg;
  }

  static boolean isEof(IOException e) {
    return e instanceof EOFException;
  }
}
