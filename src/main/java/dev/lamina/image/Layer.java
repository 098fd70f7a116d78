package dev.lamina.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * One layer of an image, bottom first. Either a tar blob ({@link Blob}: OCI layouts, archives, {@code dir:}) whose
 * uncompressed stream is verified while read, or a directory already extracted by another engine ({@link DiffDir}:
 * Docker's overlay2 store, containers-storage), with overlayfs whiteouts (0/0 char devices,
 * {@code trusted.overlay.opaque}), to be used in place.
 */
public sealed interface Layer permits Layer.Blob, Layer.DiffDir {

  /** Position in the image, 0 = bottom. */
  int index();

  /** The descriptor from the manifest (synthesised for stores and docker-archive, which have none). */
  Descriptor descriptor();

  /** The digest of the uncompressed tar, from the config's rootfs.diff_ids. */
  Digest diffId();

  /** Opens the raw blob; {@code what} names it in errors. */
  @FunctionalInterface
  interface BlobOpener {
    InputStream open() throws IOException;
  }

  /** A layer stored as a (gzip, zstd or plain) tar blob. */
  final class Blob implements Layer {
    private final int index;
    private final Descriptor descriptor;
    private final Digest diffId;
    private final boolean checkBlobDigest;
    private final BlobOpener opener;
    private final String what;

    Blob(int index, Descriptor descriptor, Digest diffId, boolean checkBlobDigest, BlobOpener opener, String what) {
      this.index = index;
      this.descriptor = descriptor;
      this.diffId = diffId;
      this.checkBlobDigest = checkBlobDigest;
      this.opener = opener;
      this.what = what;
    }

    @Override
    public int index() {
      return index;
    }

    @Override
    public Descriptor descriptor() {
      return descriptor;
    }

    @Override
    public Digest diffId() {
      return diffId;
    }

    /** Names the blob in messages, e.g. "layer 2 (sha256:…) of oci:/img:latest". */
    public String describe() {
      return what;
    }

    /**
     * Opens the uncompressed tar stream. Read it to the end, or close it, to get the digest verdict: a mismatch
     * throws {@link BlobMismatchException} from the last read or from close.
     */
    public LayerTarStream openTar() throws IOException {
      return new LayerTarStream(opener.open(), descriptor, checkBlobDigest, diffId, what);
    }

    @Override
    public String toString() {
      return what;
    }
  }

  /**
   * A layer already extracted by Docker (overlay2) or containers-storage: {@code dir} holds its files, with
   * whiteouts as 0/0 char devices and opaque dirs marked by the {@code trusted.overlay.opaque} xattr.
   * {@code diffSize} is the content bytes of its regular files as the store recorded them (Docker's layerdb
   * {@code size}), or -1 when it recorded none.
   */
  record DiffDir(int index, Descriptor descriptor, Digest diffId, Path dir, long diffSize) implements Layer {
    /** A diff dir whose uncompressed size is unknown. */
    public DiffDir(int index, Descriptor descriptor, Digest diffId, Path dir) {
      this(index, descriptor, diffId, dir, -1);
    }
  }
}
