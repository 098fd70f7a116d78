package dev.lamina.sys;

/**
 * The fields of statx(2) lamina uses. {@code dev} and {@code rdev} are glibc dev_t encodings
 * ({@link Fcntl#makedev}); times are seconds plus nanoseconds.
 */
public record Stat(
    long dev,
    long ino,
    int mode,
    long nlink,
    int uid,
    int gid,
    long rdev,
    long size,
    long blocks,
    int blksize,
    long atimeSec,
    long atimeNsec,
    long mtimeSec,
    long mtimeNsec,
    long ctimeSec,
    long ctimeNsec) {

  public int type() {
    return mode & Fcntl.S_IFMT;
  }

  public boolean isDir() {
    return type() == Fcntl.S_IFDIR;
  }

  public boolean isRegular() {
    return type() == Fcntl.S_IFREG;
  }

  public boolean isSymlink() {
    return type() == Fcntl.S_IFLNK;
  }

  /** A 0/0 character device: the kernel overlayfs whiteout. */
  public boolean isWhiteoutDevice() {
    return type() == Fcntl.S_IFCHR && rdev == 0;
  }
}
