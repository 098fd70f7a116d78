package dev.lamina.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A {@link FileTree} over a directory (an OCI layout, a {@code dir:} image). */
final class DirTree implements FileTree {
  private final Path root;

  DirTree(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  @Override
  public String describe() {
    return "directory " + root;
  }

  Path resolve(String path) throws ImageException {
    return root.resolve(FileTree.clean(path, describe()));
  }

  @Override
  public boolean exists(String path) throws IOException {
    return Files.isRegularFile(resolve(path));
  }

  @Override
  public long size(String path) throws IOException {
    Path p = resolve(path);
    try {
      return Files.size(p);
    } catch (NoSuchFileException e) {
      throw new ImageException(p + " is missing: the image in " + describe() + " is incomplete");
    }
  }

  @Override
  public InputStream open(String path) throws IOException {
    Path p = resolve(path);
    try {
      return Files.newInputStream(p);
    } catch (NoSuchFileException e) {
      throw new ImageException(p + " is missing: the image in " + describe() + " is incomplete");
    }
  }

  @Override
  public void close() {}
}
