package dev.lamina.fuse.kernel;

import dev.lamina.fuse.kernel.Shared.NodeFile;
import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.Fcntl;
import dev.lamina.sys.Splice;
import dev.lamina.union.SetIdBits.Credentials;
import dev.lamina.union.UnionFs;
import dev.lamina.union.UnionFs.Attr;
import dev.lamina.union.UnionFs.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Operations on file contents: create, open, read, write, flush, fsync, fallocate, release. */
final class FileOps {
  private static final Logger LOG = LoggerFactory.getLogger(FileOps.class);
  private final Shared s;
  private final UnionFs union;
  private final NodeTable nodes;

  FileOps(Shared s) {
    this.s = s;
    this.union = s.union;
    this.nodes = s.nodes;
  }

  void create(Request rq, Reply rp) throws IOException {
    Node parent = nodes.get(rq.nodeid);
    int flags = rq.u32();
    int mode = rq.u32();
    int umask = rq.u32();
    rq.skip(4);
    String name = rq.name();
    OpenFile file =
        union.create(NodeTable.child(nodes.path(parent), name), mode, flags, EntryOps.caller(rq, umask));
    Attr a = attrsOrRelease(file);
    Node n = nodes.lookup(parent, name, a);
    Passthrough.Mode m = openMode(n, file, flags); // first: a writable passthrough open's entry is sent uncached
    rp.entry(n.id, a, s.options.entry(), s.attrValid(n, a));
    openOut(rp, n, file, m);
  }

  /** The attributes of a file just created or opened; on failure the file is released before the error goes on. */
  private Attr attrsOrRelease(OpenFile file) throws IOException {
    try {
      return union.fgetattr(file);
    } catch (IOException | RuntimeException e) {
      union.release(file);
      throw e;
    }
  }

  /**
   * O_TMPFILE in the request's directory: an entry for a node without a name (the kernel's dentry is not
   * hashed) and its open handle, as for CREATE. The file's nlink is 0, so the kernel lets linkat(2) name it
   * only when it was opened without O_EXCL; that LINK names the node (EntryOps.link).
   */
  void tmpfile(Request rq, Reply rp) throws IOException {
    Node parent = nodes.get(rq.nodeid);
    int flags = rq.u32();
    int mode = rq.u32();
    int umask = rq.u32();
    OpenFile file = union.tmpfile(nodes.path(parent), mode, flags, EntryOps.caller(rq, umask));
    Attr a = attrsOrRelease(file);
    Node n = nodes.unnamed(parent);
    Passthrough.Mode m = openMode(n, file, flags);
    rp.entry(n.id, a, s.options.entry(), s.attrValid(n, a));
    openOut(rp, n, file, m);
  }

  void open(Request rq, Reply rp) throws IOException {
    Node n = nodes.get(rq.nodeid);
    int flags = rq.u32();
    OpenFile file = union.open(nodes.path(n), flags);
    if ((flags & Fcntl.O_TRUNC) != 0) {
      try {
        dropSetIdBits(n, file, SetIdKill.caller(rq)); // truncated by the open: the kernel sends no SETATTR
      } catch (IOException | RuntimeException e) {
        union.release(file);
        throw e;
      }
    }
    openOut(rp, n, file, openMode(n, file, flags));
  }

  /**
   * How n's new open of file is served (see {@link Passthrough}); for a passthrough open that may write, the
   * kernel's cached attributes are dropped now. On failure the file is released.
   */
  private Passthrough.Mode openMode(Node n, OpenFile file, int flags) throws IOException {
    Passthrough.Mode mode;
    try {
      boolean mayWrite = (flags & Fcntl.O_ACCMODE) != Fcntl.O_RDONLY;
      mode = s.passthrough.open(n, s.passthrough.enabled() ? union.backing(file) : null, mayWrite);
    } catch (IOException | RuntimeException e) {
      union.release(file);
      throw e;
    }
    if (mode.writes()) {
      s.invalidateAttributes(n);
    }
    return mode;
  }

  /**
   * fuse_open_out. An upper file is handed to the kernel when it can (passthrough: no READ or WRITE reaches
   * us); otherwise the page cache is kept across opens: every change to a file goes through this mount, so
   * the kernel's cached pages are never older than the file (the names of an upper hard link are one node,
   * so one page cache). No FLUSH on close: the union buffers nothing (every WRITE reaches the backing file
   * before its reply) and holds no POSIX locks (the kernel keeps those), so each close would cost a round trip
   * for nothing (kernels before 5.15 ignore the flag and still send it).
   *
   * <p>A passthrough open that may write changes the upper file without any request: write(2) invalidates the
   * kernel's cached attributes itself, but a write through a shared mapping does not (the mapping is the
   * backing file's: fs/fuse/passthrough.c, fuse_passthrough_mmap), so the kernel's mtime and ctime would stay
   * old (xfstests generic/080). While such an open lasts, the node's attributes are sent uncached
   * ({@link Shared#attrValid}), and those the kernel holds are dropped when it opens and when it is released:
   * a stat after close() then sees the file, as on overlayfs. (Until 2026-12-07 a FLUSH on every close did
   * this, a round trip per close of every file opened for writing.)
   */
  private void openOut(Reply rp, Node n, OpenFile file, Passthrough.Mode mode) throws IOException {
    long fh = s.files.add(new NodeFile(n, file, mode));
    int openFlags = mode.flags();
    if ((openFlags & Protocol.FOPEN_KEEP_CACHE) != 0 && union.readsMoveAtime(file)) {
      openFlags &= ~Protocol.FOPEN_KEEP_CACHE; // strictatime: a read served from cached pages would not reach us
    }
    rp.u64(fh).u32(openFlags | Protocol.FOPEN_NOFLUSH).u32(mode.backingId());
  }

  /** Reads of at least this many bytes of a lower file are spliced into the reply rather than copied. */
  private static final int SPLICE_MIN = 32 << 10;

  /**
   * Each worker's pipe for spliced replies (workers live until the unmount); null where none could be made. Every
   * pipe made is also in {@link #allPipes}, so that {@link #closePipes} closes them when the session ends: a
   * thread's ThreadLocal value dies with it, but its descriptors would not (a shared daemon serving mount after
   * mount would pile them up).
   */
  private final ThreadLocal<Splice> pipes = ThreadLocal.withInitial(this::newPipe);
  private final java.util.Queue<Splice> allPipes = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private volatile boolean spliceWorks = true;

  private Splice newPipe() {
    Splice p = Splice.open(2 * Protocol.MAX_IO);
    if (p != null) {
      allPipes.add(p);
    }
    return p;
  }

  /** Closes every worker's splice pipe; only once no worker serves any more (the session ended). */
  void closePipes() {
    for (Splice p; (p = allPipes.poll()) != null; ) {
      p.close();
    }
  }

  /** Answers a READ; true when the reply was already sent (spliced), false when it is in rp. */
  boolean read(Request rq, Reply rp) throws IOException {
    OpenFile file = s.file(rq.u64());
    long offset = rq.u64();
    int size = Math.min(rq.u32(), rp.remaining());
    if (size >= SPLICE_MIN && spliceWorks && splicedReply(rq, rp, file, offset, size)) {
      return true;
    }
    ByteBuffer dst = rp.window(size);
    // A short read is end of file to the kernel (without direct_io), so fill the window unless at EOF.
    while (dst.hasRemaining()) {
      if (union.read(file, dst, offset + dst.position()) <= 0) {
        break;
      }
    }
    rp.advance(dst.position());
    return false;
  }

  /**
   * Sends the READ reply with the data spliced from a lower file's page cache (one copy fewer than pread plus
   * write, as libfuse 3 and fuse-overlayfs do); false when this read is not one for splicing (an upper
   * file, a short read at the end, no pipe) or splicing failed before anything was sent.
   */
  private boolean splicedReply(Request rq, Reply rp, OpenFile file, long offset, int size) throws IOException {
    UnionFs.SpliceSource src = union.spliceSource(file);
    Splice pipe = src == null ? null : pipes.get();
    if (pipe == null) {
      return false;
    }
    int len = (int) Math.min(size, Math.max(0, src.size() - offset));
    if (len < SPLICE_MIN || !pipe.fits(offset, len)) {
      return false;
    }
    rp.buf.putInt(0, Protocol.OUT_HEADER + len).putInt(4, 0).putLong(8, rq.unique);
    int rc = pipe.send(s.fd, rp.buf, Protocol.OUT_HEADER, src.fd(), offset, len);
    if (rc == 0 || rc == -Errno.ENOENT) {
      return true; // sent, or the kernel no longer waits for this reply (interrupted)
    }
    spliceWorks = false;
    LOG.debug("splicing READ replies failed ({}); copying them from now on", Errno.describe(-rc));
    return false;
  }

  void write(Request rq, Reply rp) throws IOException {
    long fh = rq.u64();
    NodeFile nf = s.files.get(fh);
    long offset = rq.u64();
    int size = rq.u32();
    int writeFlags = rq.u32();
    rq.skip(8 + 4 + 4); // lock_owner, flags, padding
    ByteBuffer src = rq.slice(size);
    if ((writeFlags & SetIdKill.WRITE_KILL_SUIDGID) != 0) {
      dropSetIdBits(nf.node(), nf.file(), SetIdKill.caller(rq)); // direct I/O: no SETATTR before it
    }
    while (src.hasRemaining()) {
      if (union.write(nf.file(), src, offset + src.position()) <= 0) {
        throw new ErrnoException(Errno.EIO, "write", "handle " + fh);
      }
    }
    rp.u32(size).u32(0);
  }

  /**
   * Drops the setuid and setgid bits that a write or truncate by the caller drops (SetIdKill), through the
   * open file, and has the kernel forget the node's cached attributes (no reply of these carries them).
   */
  private void dropSetIdBits(Node n, OpenFile file, Supplier<Credentials> who) throws IOException {
    int next = SetIdKill.afterWrite(union.fgetattr(file), who);
    if (next != -1) {
      union.fchmod(file, next);
      s.invalidateAttributes(n);
    }
  }

  /** Only SEEK_DATA and SEEK_HOLE reach us (the kernel does SEEK_SET/CUR/END itself): sparse files show holes. */
  void lseek(Request rq, Reply rp) throws IOException {
    OpenFile file = s.file(rq.u64());
    long offset = rq.u64();
    rp.u64(union.seekData(file, offset, rq.u32()));
  }

  /** FLUSH (close of a handle): asked for by no open (FOPEN_NOFLUSH), but kernels before 5.15 send it anyway. */
  void flush(Request rq) throws IOException {
    union.flush(s.file(rq.u64()));
  }

  void fsync(Request rq) throws IOException {
    OpenFile file = s.file(rq.u64());
    union.fsync(file, (rq.u32() & 1) != 0);
  }

  void fallocate(Request rq) throws IOException {
    OpenFile file = s.file(rq.u64());
    long offset = rq.u64();
    long length = rq.u64();
    union.fallocate(file, rq.u32(), offset, length);
  }

  void release(Request rq) throws IOException {
    NodeFile f = s.files.remove(rq.u64());
    s.passthrough.release(f.node(), f.mode());
    if (f.mode().writes()) {
      // also drops a reply the kernel may still take, read before the open's last write: see openOut
      s.invalidateAttributes(f.node());
    }
    union.release(f.file());
  }
}
