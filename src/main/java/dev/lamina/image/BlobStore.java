package dev.lamina.image;

import java.io.IOException;
import java.io.InputStream;

/** Blobs addressed by digest within a {@link FileTree}: {@code blobs/ALG/HEX} in OCI layouts, {@code HEX} in dir:. */
final class BlobStore {
  /** Manifests and configs are small; anything bigger is refused before it is read into memory. */
  static final long METADATA_LIMIT = 16L << 20;

  private final FileTree tree;
  private final boolean ociLayout;

  private BlobStore(FileTree tree, boolean ociLayout) {
    this.tree = tree;
    this.ociLayout = ociLayout;
  }

  static BlobStore ociLayout(FileTree tree) {
    return new BlobStore(tree, true);
  }

  /** skopeo's dir: layout: blobs named by bare hex; per-instance manifests of a list as HEX.manifest.json. */
  static BlobStore dir(FileTree tree) {
    return new BlobStore(tree, false);
  }

  FileTree tree() {
    return tree;
  }

  String path(Digest d) throws IOException {
    if (ociLayout) {
      return "blobs/" + d.algorithm() + "/" + d.hex();
    }
    if (!tree.exists(d.hex()) && tree.exists(d.hex() + ".manifest.json")) {
      return d.hex() + ".manifest.json";
    }
    return d.hex();
  }

  InputStream open(Digest d) throws IOException {
    return tree.open(path(d));
  }

  /**
   * Reads a small blob (manifest, config) whole and checks its size and digest against the descriptor; {@code what}
   * names it in errors.
   */
  byte[] readVerified(Descriptor d, String what) throws IOException {
    String path = path(d.digest());
    if (!tree.exists(path)) {
      throw new ImageException(
          what + " (" + d.digest() + ") is missing from " + tree.describe() + " (expected " + path
              + "); the image is incomplete: copy it again, e.g. with skopeo copy");
    }
    byte[] bytes = tree.readSmall(path, METADATA_LIMIT);
    return verify(bytes, d, what + " (" + path + " in " + tree.describe() + ")");
  }

  static byte[] verify(byte[] bytes, Descriptor d, String what) throws BlobMismatchException {
    if (bytes.length != d.size()) {
      throw new BlobMismatchException(
          what + " is " + bytes.length + " bytes, but its descriptor says " + d.size()
              + "; the image is corrupt or was modified: fetch or build it again");
    }
    Digest got = d.digest().recompute(bytes);
    if (!got.equals(d.digest())) {
      throw new BlobMismatchException(
          what + " has digest " + got + ", but its descriptor says " + d.digest()
              + "; the image is corrupt or was modified: fetch or build it again");
    }
    return bytes;
  }
}
