package dev.lamina.union;

import java.util.List;

/**
 * When a change drops a file's setuid and setgid bits: the kernel's rules (fs/attr.c,
 * {@code setattr_should_drop_suidgid}, {@code setattr_should_drop_sgid} and the chmod check of
 * {@code setattr_prepare}), which kernel overlayfs applies on every write, truncate and fallocate. A FUSE
 * server has to apply them itself where the kernel's FUSE client leaves them out (it drops setgid only
 * with group-exec set, and nothing on an O_TRUNC open the server truncates).
 */
public final class SetIdBits {
  public static final int S_ISUID = 04000;
  public static final int S_ISGID = 02000;
  public static final int S_IXGRP = 00010;
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;

  private SetIdBits() {}

  /**
   * Who changes the file: its file system uid and gid, supplementary groups, whether it holds CAP_FSETID in
   * the initial user namespace ({@code capable()}), and whether it holds it in its own namespace (what the
   * group test accepts instead of membership; the kernel also wants the file's ids mapped there).
   */
  public record Credentials(int uid, int gid, List<Integer> groups, boolean fsetid, boolean fsetidInNamespace) {
    public Credentials {
      groups = List.copyOf(groups);
    }

    /** in_group_p: the fs gid or one of the supplementary groups. */
    public boolean inGroup(int fileGid) {
      return gid == fileGid || groups.contains(fileGid);
    }

    /** in_group_or_capable. */
    public boolean inGroupOrCapable(int fileGid) {
      return fsetidInNamespace || inGroup(fileGid);
    }
  }

  /**
   * The bits ({@link #S_ISUID}, {@link #S_ISGID}) that a write, truncate or fallocate by {@code who} drops
   * from a file of {@code mode} (type bits included) and group {@code fileGid}: only regular files, none for
   * a caller with CAP_FSETID, else setuid always and setgid when group-exec is set or the caller is neither
   * in the file's group nor privileged over it.
   */
  public static int dropped(int mode, int fileGid, Credentials who) {
    if ((mode & S_IFMT) != S_IFREG || who.fsetid()) {
      return 0;
    }
    int kill = mode & S_ISUID;
    if ((mode & S_ISGID) != 0 && ((mode & S_IXGRP) != 0 || !who.inGroupOrCapable(fileGid))) {
      kill |= S_ISGID;
    }
    return kill;
  }

  /** The mode a chmod by {@code who} sets: setgid only for a caller in the file's (new) group or privileged. */
  public static int chmodMode(int mode, int fileGid, Credentials who) {
    return (mode & S_ISGID) != 0 && !who.inGroupOrCapable(fileGid) ? mode & ~S_ISGID : mode;
  }
}
