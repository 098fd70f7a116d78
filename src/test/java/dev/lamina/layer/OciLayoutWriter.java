package dev.lamina.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Writes a minimal OCI image layout (gzip layers, config with diff_ids, manifest, index with a ref name) for tests. */
final class OciLayoutWriter {
  private OciLayoutWriter() {}

  static String sha256(byte[] b) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String blob(Path dir, byte[] b) throws IOException {
    String d = sha256(b);
    Path p = dir.resolve("blobs/sha256").resolve(d.substring(7));
    Files.createDirectories(p.getParent());
    Files.write(p, b);
    return d;
  }

  /** Writes the layout to {@code dir} with the given layer tars (bottom first) under {@code tag}; returns the config digest. */
  static String write(Path dir, String tag, List<byte[]> tars) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    List<String> diffIds = new ArrayList<>();
    StringBuilder layers = new StringBuilder();
    for (byte[] t : tars) {
      diffIds.add("\"" + sha256(t) + "\"");
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
        gz.write(t);
      }
      byte[] gz = bos.toByteArray();
      String d = blob(dir, gz);
      if (layers.length() > 0) {
        layers.append(',');
      }
      layers.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"").append(d)
          .append("\",\"size\":").append(gz.length).append('}');
    }
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
        + "\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
        + String.join(",", diffIds) + "]}}").getBytes(StandardCharsets.UTF_8);
    String cd = blob(dir, config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + cd
        + "\",\"size\":" + config.length + "},\"layers\":[" + layers + "]}").getBytes(StandardCharsets.UTF_8);
    String md = blob(dir, manifest);
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + md + "\",\"size\":" + manifest.length
        + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
    return cd;
  }
}
