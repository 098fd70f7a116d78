package dev.lamina.image;

import java.io.IOException;
import java.nio.file.Files;

/** Entry point: parse a reference and open the image it names, for every transport lamina reads itself. */
public final class ImageSource {
  private static final ImageResolver FILES = ImageSource::openFiles;

  private ImageSource() {}

  /** The resolver for all transports except lamina store names (which it rejects with a hint). */
  public static ImageResolver files() {
    return FILES;
  }

  /** Parses a reference (see {@link ImageReference}); throws ImageException naming the text when malformed. */
  public static ImageReference parse(String text) throws ImageException {
    try {
      return ImageReference.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ImageException(e.getMessage(), e);
    }
  }

  /** Opens an image with {@link #files()}. */
  public static Image open(ImageReference ref, Platform platform) throws IOException {
    return FILES.open(ref, platform);
  }

  private static Image openFiles(ImageReference ref, Platform platform) throws IOException {
    if (ref instanceof ImageReference.Oci r) {
      if (!Files.isDirectory(r.dir())) {
        throw new ImageException(r.dir() + " is not a directory: expected an OCI image layout for " + ref);
      }
      return OciLayoutReader.read(new DirTree(r.dir()), ref, r.tag(), platform);
    }
    if (ref instanceof ImageReference.OciArchive r) {
      TarTree tree = new TarTree(r.file());
      try {
        return OciLayoutReader.read(tree, ref, r.tag(), platform);
      } catch (IOException | RuntimeException e) {
        tree.close();
        throw e;
      }
    }
    if (ref instanceof ImageReference.DockerArchive r) {
      return DockerArchiveReader.read(r, platform);
    }
    if (ref instanceof ImageReference.Dir r) {
      return DirReader.read(r, platform);
    }
    if (ref instanceof ImageReference.DockerStore r) {
      return DockerStoreReader.read(r, platform);
    }
    if (ref instanceof ImageReference.ContainersStorage r) {
      return ContainersStorageReader.read(r, platform);
    }
    throw new ImageException(
        "'" + ref + "' is not a path or a transport:reference, so it names an image in lamina's store, which this "
            + "command cannot read; load it first with 'lamina load', or use one of the forms: "
            + ImageReference.FORMS);
  }
}
