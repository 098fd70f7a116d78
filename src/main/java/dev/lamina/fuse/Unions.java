package dev.lamina.fuse;

import dev.lamina.union.Atime;
import dev.lamina.union.IdMap;
import dev.lamina.union.OverlayConfig;
import dev.lamina.union.OverlayFs;
import dev.lamina.union.RedirectDir;
import dev.lamina.union.UnionFs;
import dev.lamina.union.WhiteoutFormat;
import java.io.IOException;
import java.util.Map;

/** Builds the overlay core's configuration from mount options and opens the union. */
public final class Unions {
  /** fuse-overlayfs's switch to `.wh.` whiteouts; honoured so that its test setups work unchanged. */
  static final String DISABLE_OVL_WHITEOUT = "FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT";

  private Unions() {}

  public static UnionFs open(MountOptions o) throws IOException {
    return new OverlayFs(config(o, System.getenv()));
  }

  /** Checks the options the core will parse, so that the user sees errors before a daemon starts. */
  public static void validate(MountOptions o) {
    validate(o, FuseMount.isRoot());
  }

  static void validate(MountOptions o, boolean root) {
    IdMap.parse(o.overlay().get("uidmapping"));
    IdMap.parse(o.overlay().get("gidmapping"));
    if (root && "2".equals(o.overlay().getOrDefault("xattr_permissions", "").trim())) {
      // As root the core chowns and chmods for real and keeps override_stat only where a file already has one.
      throw new IllegalArgumentException(
          "xattr_permissions=2 (containers/storage's force_mask) is not supported when lamina runs as root,"
              + " also root in a user namespace: lamina then sets owners and modes on the files themselves;"
              + " remove force_mask from storage.conf");
    }
  }

  static OverlayConfig config(MountOptions o, Map<String, String> env) {
    OverlayConfig.Builder b =
        OverlayConfig.builder().lowerDirs(o.lowerDirs()).upperDir(o.upperDir()).workDir(o.workDir());
    if ("chardev".equals(o.whiteout())) {
      b.whiteoutFormat(WhiteoutFormat.DEVICE);
    } else if ("wh".equals(o.whiteout()) || env.get(DISABLE_OVL_WHITEOUT) != null) {
      b.whiteoutFormat(WhiteoutFormat.FILE);
    }
    // Otherwise the core picks from the euid: device nodes as root, .wh. files without.
    Map<String, String> ov = o.overlay();
    IdMap uids = IdMap.parse(ov.get("uidmapping"));
    IdMap gids = IdMap.parse(ov.get("gidmapping"));
    // fuse-overlayfs: squash_to_root shows every owner as 0; squash_to_uid/gid win over it for their id
    if (ov.containsKey("squash_to_root")) {
      uids = uids.squashedTo(0);
      gids = gids.squashedTo(0);
    }
    if (ov.containsKey("squash_to_uid")) {
      uids = uids.squashedTo(Long.parseLong(ov.get("squash_to_uid").trim()));
    }
    if (ov.containsKey("squash_to_gid")) {
      gids = gids.squashedTo(Long.parseLong(ov.get("squash_to_gid").trim()));
    }
    b.uidMap(uids).gidMap(gids);
    b.atime(Atime.parse(java.util.Arrays.asList(ov.getOrDefault(MountOptions.ATIME, "").split(","))));
    // xattr_permissions=2 (containers/storage's force_mask): owner and mode in user.containers.override_stat,
    // what the core does anyway without root (root is refused by validate); 1 is refused when parsing.
    if ("2".equals(ov.getOrDefault("xattr_permissions", "").trim())) {
      b.overrideStat(true);
    }
    if (ov.containsKey("redirect_dir")) {
      b.redirectDir(RedirectDir.parse(ov.get("redirect_dir")));
    }
    if (ov.containsKey("metacopy")) {
      b.metacopy(OverlayfsOptions.parseMetacopy(ov.get("metacopy")));
    }
    if (ov.containsKey("index")) {
      b.index(OverlayfsOptions.parseIndex(ov.get("index")));
    }
    return b.build();
  }
}
