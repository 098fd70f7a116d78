package dev.lamina.sys;

import java.util.Locale;

/**
 * Where glibc's {@code struct stat} keeps each field on 64-bit Linux. x86_64 has its own layout; aarch64 uses
 * the asm-generic one (mode before nlink, both 32-bit; rdev earlier; a 32-bit blksize; 128 bytes instead of
 * 144). st_size and the times sit at the same offsets on both, so a test that only checked st_size would not
 * tell the two apart. lamina itself reads statx(2), whose layout is the same everywhere; struct stat is what
 * jnr-fuse's FileStat fills for libfuse 2's path API ({@code -o fuse_api=libfuse}).
 *
 * <p>{@code -Dlamina.test.statLayout=x86_64|aarch64} makes the tests use the other architecture's table: the
 * negative control of {@code scripts/test-arm64}, which expects the layout tests to fail with it.
 */
public record StatLayout(
    String arch, int size, int dev, int ino, int mode, int nlink, int nlinkWidth, int uid, int gid, int rdev,
    int stSize, int blksize, int blksizeWidth, int blocks, int atime, int mtime, int ctime) {

  public static final StatLayout X86_64 =
      new StatLayout("x86_64", 144, 0, 8, 24, 16, 8, 28, 32, 40, 48, 56, 8, 64, 72, 88, 104);
  public static final StatLayout AARCH64 =
      new StatLayout("aarch64", 128, 0, 8, 16, 20, 4, 24, 28, 32, 48, 56, 4, 64, 72, 88, 104);

  /** The layout of the running JVM's architecture, or the one -Dlamina.test.statLayout names. */
  public static StatLayout current() {
    String arch = System.getProperty("lamina.test.statLayout", System.getProperty("os.arch", ""));
    return switch (arch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> X86_64;
      case "aarch64", "arm64" -> AARCH64;
      default -> null;
    };
  }

  /** Whether the table in use is not the running JVM's own (the negative control). */
  public static boolean forced() {
    return System.getProperty("lamina.test.statLayout") != null;
  }
}
