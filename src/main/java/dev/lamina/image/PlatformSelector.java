package dev.lamina.image;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Picks the manifest for a platform out of an index, as containerd does: attestation manifests (platform
 * {@code unknown/unknown}, or BuildKit's reference-type annotation) are never candidates, an exact variant match
 * wins over a variant-less one, and when nothing matches the error lists what the index offers.
 */
final class PlatformSelector {
  private static final String REFERENCE_TYPE = "vnd.docker.reference.type";

  private PlatformSelector() {}

  static Descriptor select(ImageIndex index, Platform wanted, String what) throws ImageException {
    List<Descriptor> candidates = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      if (isAttestation(d)) {
        continue;
      }
      if (d.platform() == null) {
        // no platform: an index of one image (skopeo writes these); usable only if nothing better exists
        continue;
      }
      if (wanted.accepts(d.platform())) {
        candidates.add(d);
      }
    }
    for (Descriptor d : candidates) {
      if (wanted.matchesExactly(d.platform())) {
        return d;
      }
    }
    if (!candidates.isEmpty()) {
      return candidates.get(0);
    }
    List<Descriptor> unlabelled =
        index.manifests().stream().filter(d -> d.platform() == null && !isAttestation(d)).toList();
    if (unlabelled.size() == 1 && index.manifests().stream().noneMatch(d -> d.platform() != null && !isAttestation(d))) {
      return unlabelled.get(0);
    }
    String present =
        index.manifests().stream()
            .filter(d -> !isAttestation(d))
            .map(d -> d.platform() == null ? "(unlabelled " + d.digest().shortHex() + ")" : d.platform().toString())
            .collect(Collectors.joining(", "));
    throw new ImageException(
        what + " has no image for platform " + wanted + "; platforms present: "
            + (present.isEmpty() ? "none" : present) + "; choose one with --platform OS/ARCH[/VARIANT]");
  }

  static boolean isAttestation(Descriptor d) {
    return (d.platform() != null && d.platform().isUnknown()) || d.annotations().containsKey(REFERENCE_TYPE);
  }
}
