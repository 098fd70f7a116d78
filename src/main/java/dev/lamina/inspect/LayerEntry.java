package dev.lamina.inspect;

/**
 * One tar entry of a layer as the analysis sees it: metadata plus a 64-bit digest of the contents (never the contents).
 *
 * <p>For a whiteout ({@code dir/.wh.name}) {@link #path} is the hidden path ({@code dir/name}); for an opaque marker
 * ({@code dir/.wh..wh..opq}) it is the directory. {@link #tarName} keeps the cleaned name as it was in the tar.
 *
 * @param path normalised relative path without leading slash ("etc/passwd")
 * @param tarName the cleaned tar name (differs from path for whiteouts and opaque markers)
 * @param kind what the entry is
 * @param size the tar header size (0 for directories, links and devices)
 * @param mode permission bits including setuid/setgid/sticky (07777)
 * @param uid owner
 * @param gid group
 * @param linkTarget symlink or hardlink target, "" otherwise
 * @param hash digest of contents (and link target), 0 for directories
 * @param typeFlag the tar type flag byte ('0', '5', '2', ...)
 */
public record LayerEntry(
    String path,
    String tarName,
    Kind kind,
    long size,
    int mode,
    long uid,
    long gid,
    String linkTarget,
    long hash,
    byte typeFlag) {

  /** The kinds of entry a layer tar carries. */
  public enum Kind {
    FILE, DIR, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, WHITEOUT, OPAQUE;

    /** A one-letter type as {@code ls -l} shows it. */
    public char letter() {
      return switch (this) {
        case DIR -> 'd';
        case SYMLINK -> 'l';
        case HARDLINK -> 'h';
        case CHAR_DEVICE -> 'c';
        case BLOCK_DEVICE -> 'b';
        case FIFO -> 'p';
        case WHITEOUT, OPAQUE -> 'w';
        case FILE -> '-';
      };
    }
  }

  public boolean isDir() {
    return kind == Kind.DIR;
  }

  public boolean isWhiteout() {
    return kind == Kind.WHITEOUT;
  }

  /**
   * Whether {@code other} differs as dive compares files: type, contents, mode, uid or gid (we also count a changed
   * link target, which dive misses because it hashes a link's empty body).
   */
  public boolean differsFrom(LayerEntry other) {
    return kind != other.kind
        || hash != other.hash
        || mode != other.mode
        || uid != other.uid
        || gid != other.gid;
  }

  /** The base name (last path component). */
  public String name() {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }
}
