package dev.lamina.sys;

/** One getdents64 entry: name, backing inode number and d_type ({@link Fcntl#DT_DIR}, ...). */
public record DirEnt(String name, long ino, int dtype) {}
