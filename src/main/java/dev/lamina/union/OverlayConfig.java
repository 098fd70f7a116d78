package dev.lamina.union;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an overlay mount is made of: the lower dirs (top first), the optional upper and work dirs, how
 * whiteouts are written, whether rootless ownership is kept in {@code user.containers.override_stat}, the
 * uid/gid mappings, when reads update access times ({@link Atime}), and whether directory renames record
 * redirects ({@link RedirectDir}), and whether chmod, chown, utimens and xattr changes of a lower file copy up only
 * its metadata ({@code metacopy}, see {@link MetaCopy}), and whether a lower hard link copied up through one name
 * stays linked to its other names ({@code index}, see {@link Index}). Immutable; build with {@link #builder()}. Without an upper dir the mount is
 * read-only.
 */
public record OverlayConfig(
    List<Path> lowerDirs,
    Path upperDir,
    Path workDir,
    WhiteoutFormat whiteoutFormat,
    boolean overrideStat,
    IdMap uidMap,
    IdMap gidMap,
    Atime atime,
    RedirectDir redirectDir,
    boolean metacopy,
    boolean index) {

  public OverlayConfig {
    Objects.requireNonNull(atime, "atime");
    lowerDirs = List.copyOf(lowerDirs);
    Objects.requireNonNull(whiteoutFormat, "whiteoutFormat");
    Objects.requireNonNull(uidMap, "uidMap");
    Objects.requireNonNull(gidMap, "gidMap");
    Objects.requireNonNull(redirectDir, "redirectDir");
    if (metacopy && !redirectDir.creates()) {
      // as the kernel: a renamed metadata-only copy must record where its data is
      throw new IllegalArgumentException("metacopy=on needs redirect_dir=on (got redirect_dir="
          + redirectDir.name().toLowerCase(java.util.Locale.ROOT) + "): use metacopy=on,redirect_dir=on");
    }
    if (lowerDirs.isEmpty() && upperDir == null) {
      throw new IllegalArgumentException("an overlay needs at least one lowerdir or an upperdir");
    }
    if (upperDir != null && workDir == null) {
      throw new IllegalArgumentException("upperdir " + upperDir + " needs a workdir on the same filesystem");
    }
  }

  public boolean readOnly() {
    return upperDir == null;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder with the defaults of the running user: whiteout format and override_stat from the euid. */
  public static final class Builder {
    private final List<Path> lowerDirs = new ArrayList<>();
    private Path upperDir;
    private Path workDir;
    private WhiteoutFormat whiteoutFormat;
    private Boolean overrideStat;
    private IdMap uidMap = IdMap.IDENTITY;
    private IdMap gidMap = IdMap.IDENTITY;
    private Atime atime = Atime.DEFAULT;
    private RedirectDir redirectDir;
    private boolean metacopy;
    private boolean index;

    /** Adds a lower dir below the ones added before (the first added is the top). */
    public Builder lowerDir(Path p) {
      lowerDirs.add(p);
      return this;
    }

    public Builder lowerDirs(List<Path> ps) {
      lowerDirs.addAll(ps);
      return this;
    }

    public Builder upperDir(Path p) {
      upperDir = p;
      return this;
    }

    public Builder workDir(Path p) {
      workDir = p;
      return this;
    }

    public Builder whiteoutFormat(WhiteoutFormat f) {
      whiteoutFormat = f;
      return this;
    }

    /** Keep owner and mode in user.containers.override_stat instead of chown/chmod (default: when not root). */
    public Builder overrideStat(boolean on) {
      overrideStat = on;
      return this;
    }

    public Builder uidMap(IdMap m) {
      uidMap = m;
      return this;
    }

    public Builder gidMap(IdMap m) {
      gidMap = m;
      return this;
    }

    /** When reads and listings update access times (default relatime, as on the kernel). */
    public Builder atime(Atime a) {
      atime = a;
      return this;
    }

    /** redirect_dir= (default FOLLOW: renames of merged dirs fail with EXDEV, redirects in layers are read). */
    public Builder redirectDir(RedirectDir r) {
      redirectDir = r;
      return this;
    }

    /**
     * metacopy= (default off: every copy-up copies the data; metadata-only copies in layers are refused). On
     * without an explicit {@link #redirectDir} turns redirect_dir on, as the kernel does.
     */
    public Builder metacopy(boolean on) {
      metacopy = on;
      return this;
    }

    /**
     * index= (default off, as the kernel's unless built with CONFIG_OVERLAY_FS_INDEX): on keeps the kernel's
     * inode index in WORKDIR/index, so a lower hard link copied up through one name stays linked to its other
     * names. Needs an upper dir and root (file handles); ignored without them, as the kernel falls back to
     * index=off.
     */
    public Builder index(boolean on) {
      index = on;
      return this;
    }

    public OverlayConfig build() {
      int euid = dev.lamina.sys.HostFs.get().geteuid();
      return new OverlayConfig(
          lowerDirs,
          upperDir,
          workDir,
          whiteoutFormat != null ? whiteoutFormat : WhiteoutFormat.forEuid(euid),
          overrideStat != null ? overrideStat : euid != 0,
          uidMap,
          gidMap,
          atime,
          redirectDir != null ? redirectDir : metacopy ? RedirectDir.ON : RedirectDir.FOLLOW,
          metacopy,
          index);
    }
  }
}
