package dev.lamina.fuse.kernel;

import dev.lamina.union.SetIdBits;
import dev.lamina.union.SetIdBits.Credentials;
import dev.lamina.union.UnionFs.Attr;
import java.util.function.Supplier;

/**
 * Which requests must also drop a file's setuid and setgid bits (SetIdBits' rules), because the kernel's
 * FUSE client, without FUSE_HANDLE_KILLPRIV(_V2), leaves part of it to the server:
 * <ul>
 *   <li>Before a write or fallocate the kernel calls file_remove_privs, whose SETATTR reaches us from the
 *       caller; fuse_setattr puts a mode into it only for setuid and for setgid with group-exec, so when
 *       only setgid without group-exec is to go (a caller outside the file's group), the SETATTR comes
 *       without any attribute, and with setuid as well it comes with a mode that keeps setgid. A caller
 *       outside the group cannot chmod setgid on (setattr_prepare clears it), so a mode keeping it for
 *       such a caller is always this case.</li>
 *   <li>A truncate's SETATTR carries the size, and a mode only in those two cases.</li>
 *   <li>An O_TRUNC open is truncated by OPEN (ATOMIC_O_TRUNC) and the kernel sends nothing that drops the
 *       bits.</li>
 *   <li>A direct-I/O WRITE comes with FUSE_WRITE_KILL_SUIDGID instead of a SETATTR.</li>
 * </ul>
 */
final class SetIdKill {
  private SetIdKill() {}

  /** fuse_write_in.write_flags: the caller lacks CAP_FSETID, drop the bits (direct I/O). */
  static final int WRITE_KILL_SUIDGID = 1 << 2;

  /** SETATTR bits that set something; FATTR_FH and FATTR_LOCKOWNER do not. */
  private static final int SETS = Protocol.FATTR_MODE | Protocol.FATTR_UID | Protocol.FATTR_GID
      | Protocol.FATTR_SIZE | Protocol.FATTR_ATIME | Protocol.FATTR_MTIME | Protocol.FATTR_ATIME_NOW
      | Protocol.FATTR_MTIME_NOW | Protocol.FATTR_CTIME | Protocol.FATTR_KILL_SUIDGID;

  /** Whether a SETATTR may drop bits, so that setattrMode needs the file's attributes. */
  static boolean concerns(int valid, int mode) {
    return (valid & SETS) == 0 || (valid & Protocol.FATTR_SIZE) != 0
        || ((valid & Protocol.FATTR_MODE) != 0 && (mode & SetIdBits.S_ISGID) != 0);
  }

  /**
   * The mode a SETATTR must set (type bits included), or -1 when it sets none: the requested one or the
   * current one, less what the caller's change drops.
   *
   * @param cur the file's attributes before the change
   * @param who the caller, asked for only when a setuid or setgid bit is involved
   */
  static int setattrMode(int valid, int mode, int gid, Attr cur, Supplier<Credentials> who) {
    boolean setsMode = (valid & Protocol.FATTR_MODE) != 0;
    int type = cur.mode() & ~07777;
    int next = setsMode ? type | (mode & 07777) : cur.mode();
    boolean removePrivs = (valid & SETS) == 0 || (valid & Protocol.FATTR_SIZE) != 0;
    if (removePrivs && (cur.mode() & (SetIdBits.S_ISUID | SetIdBits.S_ISGID)) != 0) {
      next &= ~SetIdBits.dropped(cur.mode(), cur.gid(), who.get());
    }
    if (setsMode && (next & SetIdBits.S_ISGID) != 0) {
      next = SetIdBits.chmodMode(next, (valid & Protocol.FATTR_GID) != 0 ? gid : cur.gid(), who.get());
    }
    return setsMode || next != cur.mode() ? next : -1;
  }

  /** The mode a write or an O_TRUNC open by the caller leaves the file with, or -1 when it keeps its mode. */
  static int afterWrite(Attr cur, Supplier<Credentials> who) {
    if ((cur.mode() & (SetIdBits.S_ISUID | SetIdBits.S_ISGID)) == 0) {
      return -1;
    }
    int drop = SetIdBits.dropped(cur.mode(), cur.gid(), who.get());
    return drop == 0 ? -1 : cur.mode() & ~drop;
  }

  /** The request's caller, read from /proc at most once and only when asked for. */
  static Supplier<Credentials> caller(Request rq) {
    int pid = rq.pid;
    int uid = rq.uid;
    int gid = rq.gid;
    return new Supplier<>() {
      private Credentials c;

      @Override
      public Credentials get() {
        if (c == null) {
          c = CallerCredentials.read(pid, uid, gid);
        }
        return c;
      }
    };
  }
}
