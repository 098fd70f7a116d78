package dev.lamina.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The top layer of an image in an OCI layout (what {@code buildah commit} made) as one sorted line per tar
 * entry: name, type, mode, owner, size, link target, sha256 of the content and xattrs (PAX SCHILY.xattr);
 * modification times are left out (the two flows run at different times).
 */
final class LayerTarListing {
  private LayerTarListing() {}

  static Map<String, String> topLayer(Path layout) throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode index = json.readTree(layout.resolve("index.json").toFile());
    JsonNode manifest = json.readTree(blob(layout, index.get("manifests").get(0).get("digest").asText()).toFile());
    JsonNode layers = manifest.get("layers");
    Path tar = blob(layout, layers.get(layers.size() - 1).get("digest").asText());
    return list(tar);
  }

  private static Path blob(Path layout, String digest) {
    String[] d = digest.split(":", 2);
    return layout.resolve("blobs").resolve(d[0]).resolve(d[1]);
  }

  static Map<String, String> list(Path tar) throws IOException {
    Map<String, String> entries = new TreeMap<>();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(tar))) {
      raw.mark(2);
      boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
      raw.reset();
      try (TarArchiveInputStream in = new TarArchiveInputStream(gzip ? new GZIPInputStream(raw) : raw)) {
        TarArchiveEntry e;
        while ((e = in.getNextTarEntry()) != null) {
          StringBuilder b = new StringBuilder();
          b.append(type(e)).append(' ').append(Integer.toOctalString(e.getMode() & 07777)).append(' ')
              .append(e.getLongUserId()).append(':').append(e.getLongGroupId());
          if (e.isFile() && !e.isLink()) {
            b.append(' ').append(e.getSize()).append(" sha256 ").append(sha256(in));
          }
          if (e.isSymbolicLink() || e.isLink()) {
            b.append(" -> ").append(e.getLinkName());
          }
          if (e.isCharacterDevice() || e.isBlockDevice()) {
            b.append(' ').append(e.getDevMajor()).append(',').append(e.getDevMinor());
          }
          new TreeMap<>(e.getExtraPaxHeaders()).forEach((k, v) -> {
            if (k.startsWith("SCHILY.xattr.")) {
              b.append(" | xattr ").append(k.substring("SCHILY.xattr.".length())).append('=').append(v);
            }
          });
          entries.put(e.getName(), b.toString());
        }
      }
    }
    return entries;
  }

  private static String type(TarArchiveEntry e) {
    if (e.isDirectory()) {
      return "d";
    } else if (e.isSymbolicLink()) {
      return "l";
    } else if (e.isLink()) {
      return "h";
    } else if (e.isCharacterDevice()) {
      return "c";
    } else if (e.isBlockDevice()) {
      return "b";
    } else if (e.isFIFO()) {
      return "p";
    }
    return "f";
  }

  private static String sha256(InputStream in) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[65536];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
