package dev.lamina.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/** A content digest such as {@code sha256:0123…}; only sha256 and sha512 are accepted (the OCI-registered ones). */
public record Digest(String algorithm, String hex) {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

  public Digest {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(hex, "hex");
    int want =
        switch (algorithm) {
          case "sha256" -> 64;
          case "sha512" -> 128;
          default -> throw new IllegalArgumentException(
              "unsupported digest algorithm '" + algorithm + "' (expected sha256 or sha512)");
        };
    if (hex.length() != want || !HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "malformed " + algorithm + " digest '" + hex + "': expected " + want + " lowercase hex digits");
    }
  }

  /** Parses {@code algorithm:hex}; throws IllegalArgumentException naming the bad text. */
  public static Digest parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("missing digest");
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("malformed digest '" + text + "': expected sha256:<64 hex digits>");
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  /** A sha256 digest from its bare hex form (as used in file names). */
  public static Digest sha256(String hex) {
    return new Digest("sha256", hex.toLowerCase(Locale.ROOT));
  }

  /** The sha256 digest of the given bytes. */
  public static Digest sha256Of(byte[] bytes) {
    return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(bytes)));
  }

  /** The digest of the given bytes with this digest's algorithm. */
  public Digest recompute(byte[] bytes) {
    return new Digest(algorithm, HexFormat.of().formatHex(newMessageDigest().digest(bytes)));
  }

  /** A fresh MessageDigest for this digest's algorithm. */
  public MessageDigest newMessageDigest() {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks " + algorithm, e);
    }
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks SHA-256", e);
    }
  }

  /** The first 12 hex digits, as docker shows short ids. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
