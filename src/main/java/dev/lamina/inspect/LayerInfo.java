package dev.lamina.inspect;

/**
 * What the image says about one layer, before its tar is read.
 *
 * @param index position from the bottom, 0 = base
 * @param digest the blob digest in the manifest ("sha256:...")
 * @param diffId the digest of the uncompressed tar from the config's rootfs.diff_ids ("" when unknown)
 * @param blobSize bytes of the (possibly compressed) blob, -1 when unknown
 * @param createdBy the history's created_by for this layer, "" when the history has none
 */
public record LayerInfo(int index, String digest, String diffId, long blobSize, String createdBy) {

  /** The command as dive exports it: without the {@code /bin/sh -c } prefix Docker puts in front. */
  public String diveCommand() {
    return createdBy.startsWith("/bin/sh -c ") ? createdBy.substring("/bin/sh -c ".length()) : createdBy;
  }

  /** The command for display: also without Docker's {@code #(nop) } marker of metadata-only steps. */
  public String command() {
    String c = diveCommand();
    return c.startsWith("#(nop) ") ? c.substring("#(nop) ".length()).strip() : c;
  }

  /** The command on one line (heredocs span lines), as dive renders it. */
  public String commandLine() {
    return command().replace("\n", "↵");
  }

  /** The short digest shown in tables: 12 hex digits of the diff id (or of the blob digest). */
  public String shortId() {
    String d = diffId.isEmpty() ? digest : diffId;
    int colon = d.indexOf(':');
    String hex = colon < 0 ? d : d.substring(colon + 1);
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }
}
