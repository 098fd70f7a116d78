package dev.lamina.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Read access to the files of an image layout, whether it is a directory or a tar archive. Paths are relative,
 * '/'-separated, and come from image metadata, so implementations refuse absolute names and {@code ..}.
 */
interface FileTree extends Closeable {

  /** Names the tree in messages: "directory /x" or "archive /x.tar". */
  String describe();

  /** Whether a regular file (or a link to one) exists at the path. */
  boolean exists(String path) throws IOException;

  /** The size of the file at the path; throws ImageException naming the tree when it is missing. */
  long size(String path) throws IOException;

  /** Opens the file at the path; throws ImageException naming the tree when it is missing. */
  InputStream open(String path) throws IOException;

  /** Reads a small file (manifest, config) whole, refusing one over {@code limit} bytes. */
  default byte[] readSmall(String path, long limit) throws IOException {
    long size = size(path);
    if (size > limit) {
      throw new ImageException(
          path + " in " + describe() + " is " + size + " bytes, more than the " + limit
              + " lamina accepts for image metadata; the image is corrupt or hostile");
    }
    try (InputStream in = open(path)) {
      return in.readNBytes((int) limit + 1);
    }
  }

  /** Checks that a path from image metadata stays inside the tree and returns it without "./" or "/" noise. */
  static String clean(String unsafePath, String where) throws ImageException {
    String p = unsafePath;
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    if (p.isEmpty() || p.startsWith("/")) {
      throw new ImageException(where + " names the path '" + unsafePath + "', which is empty or absolute");
    }
    for (String part : p.split("/", -1)) {
      if (part.equals("..")) {
        throw new ImageException(where + " names the path '" + unsafePath + "', which leaves the image ('..')");
      }
    }
    return p.replaceAll("/+", "/").replaceAll("(^|/)\\./", "$1");
  }
}
