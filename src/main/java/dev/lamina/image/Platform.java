package dev.lamina.image;

import java.util.Locale;
import java.util.Objects;

/**
 * An OCI platform (os, architecture, optional variant) with the normalisation containerd applies: arm64 without a
 * variant is arm64/v8, x86_64 is amd64, aarch64 is arm64.
 */
public record Platform(String os, String architecture, String variant) {

  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
    variant = variant == null || variant.isEmpty() ? null : variant;
  }

  /** Parses {@code os/arch[/variant]} as docker's and podman's {@code --platform} take it. */
  public static Platform parse(String text) {
    String[] parts = text.split("/", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "malformed platform '" + text + "': expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8");
    }
    return new Platform(
        parts[0].toLowerCase(Locale.ROOT),
        normaliseArch(parts[1].toLowerCase(Locale.ROOT)),
        parts.length == 3 ? parts[2].toLowerCase(Locale.ROOT) : null);
  }

  /** The platform of the running JVM (linux/amd64, linux/arm64/v8, ...). */
  public static Platform host() {
    String arch = normaliseArch(System.getProperty("os.arch").toLowerCase(Locale.ROOT));
    String variant =
        switch (arch) {
          case "arm64" -> "v8";
          case "arm" -> "v7";
          default -> null;
        };
    // container images are Linux images whatever the host says; lamina itself only runs on Linux
    return new Platform("linux", arch, variant);
  }

  static String normaliseArch(String arch) {
    return switch (arch) {
      case "x86_64", "x86-64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "i386", "i686", "x86" -> "386";
      case "armhf", "armel", "arm" -> "arm";
      default -> arch;
    };
  }

  /** The variant with containerd's defaults filled in (arm64 means v8), or null. */
  String normalisedVariant() {
    if (variant == null && architecture.equals("arm64")) {
      return "v8";
    }
    return variant;
  }

  /** True for the {@code unknown/unknown} platform that BuildKit gives attestation manifests. */
  public boolean isUnknown() {
    return os.equals("unknown") && architecture.equals("unknown");
  }

  /**
   * Whether an image for {@code candidate} satisfies this requested platform: same os and architecture, and the same
   * variant when this one names a variant.
   */
  public boolean accepts(Platform candidate) {
    if (!os.equals(candidate.os) || !architecture.equals(normaliseArch(candidate.architecture))) {
      return false;
    }
    if (variant == null) {
      return true;
    }
    return Objects.equals(normalisedVariant(), candidate.normalisedVariant());
  }

  /** Whether the candidate matches this platform exactly, variant included (used to prefer among accepted ones). */
  boolean matchesExactly(Platform candidate) {
    return accepts(candidate) && Objects.equals(normalisedVariant(), candidate.normalisedVariant());
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
