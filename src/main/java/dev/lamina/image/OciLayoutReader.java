package dev.lamina.image;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads an OCI image layout (image-spec image-layout.md) from a directory or an archive: {@code oci-layout},
 * {@code index.json}, {@code blobs/ALG/HEX}. The tag selects an index entry by its
 * {@code org.opencontainers.image.ref.name}; without a tag, the layout must hold exactly one image.
 */
final class OciLayoutReader {
  static final String CONTAINERD_NAME = "io.containerd.image.name";

  private OciLayoutReader() {}

  static Image read(FileTree tree, ImageReference ref, String tag, Platform platform) throws IOException {
    if (!tree.exists("oci-layout")) {
      String hint =
          tree.exists("manifest.json")
              ? "; it has manifest.json, so it is a docker save archive or a dir: image: use docker-archive: or dir:"
              : "";
      throw new ImageException(tree.describe() + " is not an OCI image layout (no oci-layout file)" + hint);
    }
    ImageIndex index = ImageIndex.parse(tree.readSmall("index.json", BlobStore.METADATA_LIMIT), "index.json of " + ref);
    Descriptor top = pick(index, tag, ref);
    if (top == null) {
      Descriptor chosen =
          PlatformSelector.select(index, platform == null ? Platform.host() : platform, "index.json of " + ref);
      return ImageAssembler.open(BlobStore.ociLayout(tree), chosen, ref, platform, List.of(), List.of(), tree);
    }
    List<String> repoTags = new ArrayList<>();
    String name = top.refName();
    String full = top.annotations().get(CONTAINERD_NAME);
    if (full != null) {
      repoTags.add(full); // Docker 25+ and containerd record the full name beside the bare tag
    } else if (name != null && (name.contains(":") || name.contains("/"))) {
      repoTags.add(name); // a full reference as ref.name, not a bare tag
    }
    return ImageAssembler.open(BlobStore.ociLayout(tree), top, ref, platform, repoTags, List.of(), tree);
  }

  /** Chooses the index entry for a tag (or the only one when tag is null). */
  static Descriptor pick(ImageIndex index, String tag, ImageReference ref) throws ImageException {
    List<Descriptor> ms = index.manifests();
    if (ms.isEmpty()) {
      throw new ImageException(ref + ": index.json lists no images");
    }
    if (tag == null) {
      if (ms.size() == 1) {
        return ms.get(0);
      }
      // an index.json that is itself a multi-platform index (no ref names, platforms set): select by platform later
      if (ms.stream().allMatch(d -> d.refName() == null)) {
        return null;
      }
      throw new ImageException(
          ref + " holds " + ms.size() + " images (" + tags(index) + "); name one, e.g. " + ref + ":"
              + ms.stream().map(Descriptor::refName).filter(n -> n != null).findFirst().orElse("TAG"));
    }
    List<Descriptor> hits = ms.stream().filter(d -> tag.equals(d.refName())).toList();
    if (hits.isEmpty()) {
      // Docker 25+ stores full names (docker.io/library/busybox:latest); accept their tag or short name
      hits = ms.stream().filter(d -> nameMatches(d, tag)).toList();
    }
    if (hits.isEmpty()) {
      throw new ImageException(ref + " has no image tagged '" + tag + "'; tags present: " + tags(index));
    }
    if (hits.size() > 1) {
      throw new ImageException(ref + " has " + hits.size() + " images tagged '" + tag + "'; the layout is ambiguous");
    }
    return hits.get(0);
  }

  private static boolean nameMatches(Descriptor d, String tag) {
    String full = d.annotations().get(CONTAINERD_NAME);
    return (d.refName() != null && RefNames.matches(d.refName(), tag)) || (full != null && RefNames.matches(full, tag));
  }

  private static String tags(ImageIndex index) {
    String t =
        index.manifests().stream()
            .map(Descriptor::refName)
            .filter(n -> n != null)
            .collect(Collectors.joining(", "));
    return t.isEmpty() ? "none" : t;
  }
}
