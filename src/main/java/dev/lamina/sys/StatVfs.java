package dev.lamina.sys;

/** The fields of fstatvfs(3). */
public record StatVfs(
    long bsize, long frsize, long blocks, long bfree, long bavail, long files, long ffree, long favail,
    long flag, long namemax) {}
