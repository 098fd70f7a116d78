package dev.lamina.sys;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * Unix stream sockets with what Java's own lack: descriptors passed with SCM_RIGHTS (sendmsg/recvmsg) and the
 * peer's pid, uid and gid (SO_PEERCRED) as numbers. The shared daemon listens with this, and a client in another
 * mount or user namespace passes its {@code /dev/fuse} descriptor and its layer directories' descriptors through
 * it. Layouts (the same on x86_64 and arm64, LP64): {@code struct msghdr} is name 0, namelen 8, iov 16, iovlen 24,
 * control 32, controllen 40, flags 48 (56 bytes); {@code struct iovec} base 0, len 8; {@code struct cmsghdr} len 0
 * (size_t), level 8, type 12, data 16; {@code struct ucred} pid, uid, gid (three ints); {@code struct sockaddr_un}
 * family (u16) then 108 bytes of path.
 */
public final class UnixSocket implements Closeable {
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_PEERCRED = 17;
  private static final int SCM_RIGHTS = 1;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int MSG_CTRUNC = 0x8;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;
  private static final int PATH_MAX_UN = 108;
  /** The kernel's SCM_MAX_FD: descriptors one message may carry. */
  public static final int MAX_FDS_PER_MESSAGE = 253;

  /** The libc functions, bound on first use. */
  public interface Api {
    int socket(int domain, int type, int protocol);

    int bind(int fd, @In byte[] addr, int len);

    int listen(int fd, int backlog);

    int accept4(int fd, Pointer addr, Pointer len, int flags);

    int connect(int fd, @In byte[] addr, int len);

    int getsockopt(int fd, int level, int name, @Out byte[] value, @In @Out int[] len);

    long sendmsg(int fd, Pointer msg, int flags);

    long recvmsg(int fd, Pointer msg, int flags);

    int close(int fd);

    int openat(int dirfd, @In byte[] path, int flags, int mode);

    int shutdown(int fd, int how);
  }

  private static final class Holder {
    static final Api API = LibraryLoader.create(Api.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(API);
  }

  /** A peer's credentials, as this process's namespaces see them. */
  public record Credentials(int pid, int uid, int gid) {}

  private final int fd;
  private final Deque<Integer> received = new ArrayDeque<>();
  private boolean closed;

  private UnixSocket(int fd) {
    this.fd = fd;
  }

  /** A socket listening on {@code path} (which must not exist), mode as the umask leaves it. */
  public static UnixSocket listen(Path path) throws IOException {
    int s = socket();
    if (api().bind(s, address(path), 2 + PATH_MAX_UN) != 0 || api().listen(s, 64) != 0) {
      int errno = errno();
      api().close(s);
      throw new ErrnoException(errno, "listen on", path.toString());
    }
    return new UnixSocket(s);
  }

  /** A connection to the socket at {@code path}. */
  public static UnixSocket connect(Path path) throws IOException {
    int s = socket();
    if (api().connect(s, address(path), 2 + PATH_MAX_UN) != 0) {
      int errno = errno();
      api().close(s);
      throw new ErrnoException(errno, "connect to", path.toString());
    }
    return new UnixSocket(s);
  }

  /** Waits for the next connection. */
  public UnixSocket accept() throws IOException {
    while (true) {
      int c = api().accept4(fd, null, null, SOCK_CLOEXEC);
      if (c >= 0) {
        return new UnixSocket(c);
      }
      int errno = errno();
      if (errno != Errno.EINTR && errno != 103 /* ECONNABORTED */) {
        throw new ErrnoException(errno, "accept", "unix socket");
      }
    }
  }

  /** The connected peer's pid, uid and gid (SO_PEERCRED), as they were when it connected. */
  public Credentials peer() throws IOException {
    byte[] ucred = new byte[12];
    int[] len = {12};
    if (api().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, len) != 0) {
      throw new ErrnoException(errno(), "SO_PEERCRED", "unix socket");
    }
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(ucred).order(java.nio.ByteOrder.nativeOrder());
    return new Credentials(b.getInt(0), b.getInt(4), b.getInt(8));
  }

  /** Sends {@code data} (all of it) with {@code fds} attached to its first byte (at most 253). */
  public void send(byte[] data, int[] fds) throws IOException {
    if (fds.length > MAX_FDS_PER_MESSAGE) {
      throw new IllegalArgumentException(fds.length + " descriptors in one message (at most 253)");
    }
    Runtime rt = Holder.RUNTIME;
    int off = 0;
    while (off < data.length || (off == 0 && data.length == 0)) {
      int n = data.length - off;
      Pointer buf = Memory.allocateDirect(rt, Math.max(1, n));
      buf.put(0, data, off, n);
      Pointer iov = Memory.allocateDirect(rt, 16, true);
      iov.putAddress(0, buf.address());
      iov.putLong(8, n);
      Pointer msg = Memory.allocateDirect(rt, 56, true);
      msg.putAddress(16, iov.address());
      msg.putLong(24, 1);
      Pointer ctl = null;
      if (off == 0 && fds.length > 0) {
        int space = cmsgSpace(fds.length);
        ctl = Memory.allocateDirect(rt, space, true);
        ctl.putLong(0, 16 + 4L * fds.length);
        ctl.putInt(8, SOL_SOCKET);
        ctl.putInt(12, SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
          ctl.putInt(16 + 4L * i, fds[i]);
        }
        msg.putAddress(32, ctl.address());
        msg.putLong(40, space);
      }
      long sent = api().sendmsg(fd, msg, MSG_NOSIGNAL);
      if (sent < 0) {
        int errno = errno();
        if (errno == Errno.EINTR) {
          continue;
        }
        throw new ErrnoException(errno, "sendmsg", "unix socket");
      }
      off += (int) sent;
      if (data.length == 0) {
        break;
      }
    }
  }

  /**
   * Reads up to {@code len} bytes into {@code b} (0 at end of stream), keeping any descriptors that came with
   * them for {@link #takeFds} (close-on-exec). A message whose descriptors did not fit fails.
   */
  public int receive(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    Runtime rt = Holder.RUNTIME;
    Pointer buf = Memory.allocateDirect(rt, len);
    Pointer iov = Memory.allocateDirect(rt, 16, true);
    iov.putAddress(0, buf.address());
    iov.putLong(8, len);
    int space = cmsgSpace(MAX_FDS_PER_MESSAGE);
    Pointer ctl = Memory.allocateDirect(rt, space, true);
    Pointer msg = Memory.allocateDirect(rt, 56, true);
    msg.putAddress(16, iov.address());
    msg.putLong(24, 1);
    msg.putAddress(32, ctl.address());
    msg.putLong(40, space);
    long n;
    while (true) {
      n = api().recvmsg(fd, msg, MSG_CMSG_CLOEXEC);
      if (n >= 0) {
        break;
      }
      int errno = errno();
      if (errno != Errno.EINTR) {
        throw new ErrnoException(errno, "recvmsg", "unix socket");
      }
    }
    long ctlLen = msg.getLong(40);
    for (long c = 0; c + 16 <= ctlLen; ) {
      long cl = ctl.getLong(c);
      if (cl < 16) {
        break;
      }
      if (ctl.getInt(c + 8) == SOL_SOCKET && ctl.getInt(c + 12) == SCM_RIGHTS) {
        for (long i = 16; i + 4 <= cl; i += 4) {
          received.add(ctl.getInt(c + i));
        }
      }
      c += (cl + 7) & ~7L;
    }
    if ((msg.getInt(48) & MSG_CTRUNC) != 0) {
      throw new IOException("a message on the unix socket carried more descriptors than fit (" + received.size()
          + " received)");
    }
    buf.get(0, b, off, (int) n);
    return (int) n;
  }

  /** Takes up to {@code n} of the descriptors received so far (the caller closes them). */
  public List<Integer> takeFds(int n) {
    List<Integer> l = new ArrayList<>();
    while (l.size() < n && !received.isEmpty()) {
      l.add(received.poll());
    }
    return l;
  }

  /** How many received descriptors are not taken yet. */
  public int receivedFds() {
    return received.size();
  }

  /** The connection's input: every read goes through {@link #receive}, so no descriptor is lost. */
  public InputStream input() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = receive(b, off, len);
        return n == 0 && len > 0 ? -1 : n;
      }
    };
  }

  /** The connection's output (MSG_NOSIGNAL: a gone peer is an IOException, not a SIGPIPE). */
  public OutputStream output() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return; // nothing to send; a client that has read its whole answer may have closed already (EPIPE)
        }
        send(java.util.Arrays.copyOfRange(b, off, off + len), new int[0]);
      }
    };
  }

  /** Closes the socket and every received descriptor nobody took. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Integer r : received) {
      api().close(r);
    }
    received.clear();
    api().close(fd);
  }

  /**
   * Shuts the listening socket down from another thread, so that a blocked {@link #accept} returns (EINVAL).
   */
  public void shutdown() {
    api().shutdown(fd, 2);
  }

  /** An O_PATH descriptor of the directory {@code dir} (close-on-exec), for passing to another process. */
  public static int openDirectory(Path dir) throws ErrnoException {
    int d = api().openat(-100 /* AT_FDCWD */, (dir + "\0").getBytes(StandardCharsets.UTF_8),
        Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
    if (d < 0) {
      throw new ErrnoException(errno(), "open", dir.toString());
    }
    return d;
  }

  /** close(2) of a descriptor received or opened here. */
  public static void closeFd(int fd) {
    api().close(fd);
  }

  private static int cmsgSpace(int fds) {
    return 16 + ((4 * fds + 7) & ~7);
  }

  private static int socket() throws ErrnoException {
    int s = api().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
      throw new ErrnoException(errno(), "socket", "AF_UNIX");
    }
    return s;
  }

  private static byte[] address(Path path) {
    byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
    if (p.length >= PATH_MAX_UN) {
      throw new IllegalArgumentException("the socket path " + path + " is longer than " + (PATH_MAX_UN - 1)
          + " bytes, the most a unix socket address holds: use a shorter directory (LAMINA_DAEMON_DIR)");
    }
    byte[] a = new byte[2 + PATH_MAX_UN];
    a[0] = (byte) AF_UNIX; // sa_family_t, little-endian on x86_64 and arm64
    System.arraycopy(p, 0, a, 2, p.length);
    return a;
  }

  private static Api api() {
    return Holder.API;
  }

  private static int errno() {
    return Holder.RUNTIME.getLastError();
  }
}
