package dev.lamina.fuse;

import dev.lamina.union.IdMap;
import dev.lamina.union.OverlayConfig;
import dev.lamina.union.OverlayFs;
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
    IdMap.parse(o.overlay().get("uidmapping"));
    IdMap.parse(o.overlay().get("gidmapping"));
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
    String uid = o.overlay().get("uidmapping");
    String gid = o.overlay().get("gidmapping");
    if (uid != null) {
      b.uidMap(IdMap.parse(uid));
    }
    if (gid != null) {
      b.gidMap(IdMap.parse(gid));
    }
    return b.build();
  }
}
