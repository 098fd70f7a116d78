package dev.lamina.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.testing.HostStateLock;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * buildah with lamina as {@code mount_program}, as root and rootless: {@code buildah from}, {@code buildah run
 * --isolation chroot} a command that changes files of every kind, {@code buildah commit}; the committed image's
 * new layer (its diff, pushed to an OCI layout) must equal what the same flow gives with fuse-overlayfs, and
 * no lamina daemon may stay once the working container is removed.
 */
@ExtendWith(HostStateLock.class)
class BuildahMountProgramIT {
  /** Changes of every kind, made inside the build container. */
  static final String CHANGES =
      "echo built > /etc/motd && rm /bin/wc && rm -rf /opt/app/data && mkdir -p /opt/app/data /new"
          + " && echo only > /opt/app/data/only && ln -s /etc/motd /new/link && chown 12:34 /new"
          + " && chmod 4755 /bin/busybox && mkdir -p /usr/local/lib && echo lib > /usr/local/lib/x.so"
          + " && ln /usr/local/lib/x.so /usr/local/lib/x.so.1";

  @Test
  void root_buildahFromRunCommit_layerMatchesFuseOverlayfs() throws Exception {
    flow(false);
  }

  @Test
  void rootless_buildahFromRunCommit_layerMatchesFuseOverlayfs() throws Exception {
    flow(true);
  }

  private void flow(boolean rootless) throws Exception {
    EngineTools.requireTools("buildah", "skopeo");
    if (rootless) {
      EngineTools.requireRootless();
    }
    Path base = EngineTools.tempDir();
    String mode = rootless ? "rootless" : "root";
    try (EngineUser user = rootless ? EngineUser.ensure() : null;
        EngineStore ls = EngineStore.create(base, "lamina", PodmanMountProgramIT.laminaProgram(base, rootless), user);
        EngineStore fs = EngineStore.create(base, "fuse", EngineTools.FUSE_OVERLAYFS, user)) {
      Path image = EngineTools.exampleImage(base);
      if (rootless) {
        Run.Result probe = fs.buildah("unshare", "true");
        EngineTools.require(probe.ok(), "rootless buildah cannot start here: " + probe.err().strip());
      }
      Map<String, String> viaLamina = build(ls, image);
      PodmanFlow.assertNoDaemon(ls, "dev.lamina.cli.Main");
      Map<String, String> viaFuse = build(fs, image);
      System.out.println("buildah " + mode + ": the committed layer has " + viaLamina.size()
          + " entries through lamina, " + viaFuse.size() + " through fuse-overlayfs");
      assertThat(TreeListing.differences(viaLamina, viaFuse))
          .as("committed layer, lamina <> fuse-overlayfs").isEmpty();
      // containers/storage's diff of a mount program's layer lists a replaced directory's old names as whiteouts
      assertThat(viaLamina).containsKeys("etc/motd", "bin/.wh.wc", "opt/app/data/.wh.version", "opt/app/data/only",
          "new/link", "usr/local/lib/x.so.1").doesNotContainKey("opt/app/data/version");
      assertThat(viaLamina.get("bin/busybox")).startsWith("f 4755 0:0");
      assertThat(viaLamina.get("new/")).isEqualTo("d 755 12:34");
    } finally {
      Run.run("rm", "-rf", "--one-file-system", base.toString());
    }
  }

  private static Map<String, String> build(EngineStore s, Path image) throws Exception {
    PodmanFlow.load(s, image);
    s.buildah("from", "--quiet", "--name", "work", PodmanFlow.IMAGE).check();
    s.buildah("run", "--isolation", "chroot", "work", "--", "sh", "-c", CHANGES).check();
    s.buildah("commit", "--quiet", "work", "localhost/built").check();
    s.buildah("rm", "work").check();
    Path out = s.dir.resolve("out");
    s.buildah("push", "--quiet", "localhost/built", "oci:" + out).check();
    return LayerTarListing.topLayer(out);
  }
}
