package dev.lamina.union;

import java.nio.file.Path;

/**
 * One layer of the stack: its position (0 is the top), its root as an open O_PATH directory fd, and the
 * device of that root (inode numbers from this device are composed with the position, see {@link InodeMap}).
 */
record Layer(int index, Path path, int fd, long rootDev, boolean upper) {
  @Override
  public String toString() {
    return (upper ? "upper " : "lower ") + path;
  }
}
