package dev.lamina.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.testing.HostStateLock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * podman with lamina as {@code mount_program} (scripts/lamina-overlayfs, nothing else configured), as root and
 * rootless, side by side with the same flow through fuse-overlayfs: the merged trees must be equal (type, mode,
 * owner, size, content, symlink targets, xattrs) before and after writing through the mount; {@code podman
 * umount} must leave no daemon; the store lamina wrote must read the same through fuse-overlayfs and the
 * kernel's overlay. Each store is private (its own root, run root, storage.conf, HOME, XDG_RUNTIME_DIR).
 */
@ExtendWith(HostStateLock.class)
class PodmanMountProgramIT {

  @Test
  void root_podmanMountFlow_matchesFuseOverlayfs_andTheStoreStaysValid() throws Exception {
    flow(false);
  }

  @Test
  void rootless_podmanMountFlow_matchesFuseOverlayfs_andTheStoreStaysValid() throws Exception {
    flow(true);
  }

  @Test
  void root_podmanRun_worksWithLamina() throws Exception {
    run(false);
  }

  @Test
  void rootless_podmanRun_worksWithLamina() throws Exception {
    run(true);
  }

  private void flow(boolean rootless) throws Exception {
    EngineTools.requireTools("podman", "skopeo", "getfattr", "setfattr");
    if (rootless) {
      EngineTools.requireRootless();
    }
    Path base = EngineTools.tempDir();
    String mode = rootless ? "rootless" : "root";
    try (EngineUser user = rootless ? EngineUser.ensure() : null;
        EngineStore ls = EngineStore.create(base, "lamina", laminaProgram(base, rootless), user);
        EngineStore fs = EngineStore.create(base, "fuse", EngineTools.FUSE_OVERLAYFS, user)) {
      Path image = EngineTools.exampleImage(base);
      if (rootless) {
        Run.Result probe = fs.podman("unshare", "true");
        EngineTools.require(probe.ok(), "rootless podman cannot start here: " + probe.err().strip());
      }
      PodmanFlow.load(ls, image);
      PodmanFlow.load(fs, image);
      PodmanFlow.Result a = PodmanFlow.run(ls, "dev.lamina.cli.Main");
      PodmanFlow.Result b = PodmanFlow.run(fs, "fuse-overlayfs");
      System.out.printf("podman %s: lamina mount %d ms, daemon RSS %d KiB idle, %d KiB after a walk: %s%n",
          mode, a.mountMillis(), a.rssIdleKib(), a.rssWalkKib(), a.mountinfo());
      System.out.printf("podman %s: fuse-overlayfs mount %d ms, daemon RSS %d KiB idle, %d KiB after a walk: %s%n",
          mode, b.mountMillis(), b.rssIdleKib(), b.rssWalkKib(), b.mountinfo());

      assertThat(a.mountinfo()).contains(" - fuse.lamina ");
      assertThat(TreeListing.differences(a.before(), b.before())).as("merged tree, lamina <> fuse-overlayfs").isEmpty();
      assertThat(a.before()).containsKey("./bin/busybox").doesNotContainKey("./etc/issue");
      assertThat(a.reread()).isEqualTo("through-the-mount");
      assertThat(TreeListing.differences(a.after(), b.after()))
          .as("merged tree after the writes, lamina <> fuse-overlayfs").isEmpty();
      assertThat(a.after()).doesNotContainKeys("./bin/wc", "./etc/motd", "./opt/app/data/version");
      assertThat(a.after().get("./root/written")).contains("user.engine=0x7772697474656e");
      // The mount flags fuse-overlayfs mounts with (rw,nodev,noatime), as root and in the user namespace.
      assertThat(mountFlags(a.mountinfo())).isEqualTo(mountFlags(b.mountinfo()));

      // The store lamina wrote, read through fuse-overlayfs and through the kernel's overlay.
      Map<String, String> viaFuseOverlayfs = PodmanFlow.listContainer(ls.withMountProgram(EngineTools.FUSE_OVERLAYFS));
      assertThat(TreeListing.differences(viaFuseOverlayfs, a.after()))
          .as("lamina's store read by fuse-overlayfs <> lamina").isEmpty();
      kernelReadsWhatLaminaWrote(base, image, user, mode);
    } finally {
      Run.run("rm", "-rf", "--one-file-system", base.toString());
    }
  }

  /**
   * A store made for the kernel's overlay (layers with 0/0 device whiteouts: a store made with a mount program
   * keeps .wh. files, which only a mount program reads), a container written through lamina as mount_program,
   * then mounted without a mount program again. containers/storage first scans the store for what only a mount
   * program reads (.wh. files, user.containers.* and user.fuseoverlayfs.* xattrs) and then takes the kernel's
   * overlay or falls back to fuse-overlayfs: as root it must take the kernel's overlay again; rootless it may fall
   * back as it does after fuse-overlayfs wrote the same changes (both leave a .wh..wh..opq marker beside the opaque
   * xattr there); whatever it mounts must show lamina's tree.
   */
  private void kernelReadsWhatLaminaWrote(Path base, Path image, EngineUser user, String mode) throws Exception {
    try (EngineStore kl = EngineStore.create(base, "kl", null, user);
        EngineStore kf = EngineStore.create(base, "kf", null, user)) {
      PodmanFlow.load(kl, image);
      PodmanFlow.load(kf, image);
      kl.podman("create", "--name", PodmanFlow.CONTAINER, PodmanFlow.IMAGE, "true").check();
      kf.podman("create", "--name", PodmanFlow.CONTAINER, PodmanFlow.IMAGE, "true").check();
      String fstype = PodmanFlow.fstypeOf(kl);
      if (!fstype.equals("overlay")) {
        System.out.println("SKIPPED (part): podman " + mode + " does not use the kernel's overlay here (it chose "
            + fstype + "); the kernel check of lamina's writes is left out");
        return;
      }
      Map<String, String> kernelBefore = PodmanFlow.listContainer(kl);
      PodmanFlow.Result viaLamina =
          PodmanFlow.mountWriteRemount(kl.withMountProgram(laminaProgram(base, user != null)), "dev.lamina.cli.Main");
      PodmanFlow.mountWriteRemount(kf.withMountProgram(EngineTools.FUSE_OVERLAYFS), "fuse-overlayfs");
      assertThat(TreeListing.differences(viaLamina.before(), kernelBefore))
          .as("a kernel-overlay store through lamina <> through the kernel").isEmpty();
      EngineStore afterLamina = kl.withMountProgram(null);
      String chosenAfterLamina = PodmanFlow.fstypeOf(afterLamina);
      String chosenAfterFuse = PodmanFlow.fstypeOf(kf.withMountProgram(null));
      System.out.println("podman " + mode + ": without a mount program, containers/storage mounts the store as "
          + chosenAfterLamina + " after lamina's writes, as " + chosenAfterFuse + " after fuse-overlayfs's");
      // Root: lamina writes only what the kernel reads (0/0 devices, trusted.overlay.opaque), so the kernel
      // mounts the store again (after fuse-overlayfs's writes storage keeps using fuse-overlayfs). Rootless:
      // never worse than after fuse-overlayfs.
      if (user == null) {
        assertThat(chosenAfterLamina).as("storage's choice after lamina's writes as root").isEqualTo("overlay");
      } else {
        assertThat(chosenAfterLamina).as("storage's choice after lamina's writes, rootless")
            .isIn("overlay", chosenAfterFuse);
      }
      assertThat(TreeListing.differences(PodmanFlow.listContainer(afterLamina), viaLamina.after()))
          .as("lamina's writes read by " + chosenAfterLamina + " <> lamina").isEmpty();
    }
  }

  private void run(boolean rootless) throws Exception {
    EngineTools.requireTools("podman", "skopeo", "unshare");
    if (rootless) {
      EngineTools.requireRootless();
    }
    Path base = EngineTools.tempDir();
    try (EngineUser user = rootless ? EngineUser.ensure() : null;
        EngineStore ls = EngineStore.create(base, "lamina", laminaProgram(base, rootless), user);
        EngineStore fs = EngineStore.create(base, "fuse", EngineTools.FUSE_OVERLAYFS, user)) {
      Path image = EngineTools.exampleImage(base);
      PodmanFlow.load(ls, image);
      String cmd = "ls -ln /bin/busybox && cat /etc/motd && echo ran";
      Run.Result r = ls.podmanRun("--rm", PodmanFlow.IMAGE, "sh", "-c", cmd);
      if (!r.ok()) {
        PodmanFlow.load(fs, image);
        Run.Result f = fs.podmanRun("--rm", PodmanFlow.IMAGE, "sh", "-c", cmd);
        EngineTools.require(f.ok(), "podman run fails here with fuse-overlayfs too: " + f.err().strip());
      }
      assertThat(r.ok()).as(r.toString()).isTrue();
      assertThat(r.out()).contains("busybox").endsWith("ran\n");
      PodmanFlow.assertNoDaemon(ls, "dev.lamina.cli.Main");
    } finally {
      Run.run("rm", "-rf", "--one-file-system", base.toString());
    }
  }

  /** The checkout's lamina-overlayfs as root; a copy the test user can reach when rootless. */
  static String laminaProgram(Path base, boolean rootless) throws IOException {
    Path home = EngineTools.home();
    return rootless
        ? EngineStore.installMountProgram(home, base).toString()
        : home.resolve("scripts/lamina-overlayfs").toString();
  }

  /** The per-mount flags of a mountinfo line (field 6). */
  private static String mountFlags(String mountinfo) {
    String[] f = mountinfo.split(" ");
    return f.length > 5 ? f[5] : mountinfo;
  }
}
