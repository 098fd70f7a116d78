package dev.lamina.difftest;

import dev.lamina.fuse.FuseMount;
import dev.lamina.fuse.MountOptions;
import dev.lamina.union.OverlayConfig;
import dev.lamina.union.OverlayFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * lamina's OverlayFs mounted through its FUSE adapter inside the test JVM (no launcher, no jar): the
 * same code as {@code scripts/lamina mount}, for quick runs ({@code -Ddifftest.targets=lamina-inproc}).
 */
final class InProcessLamina implements OverlayTarget {

  @Override
  public String name() {
    return "lamina-inproc";
  }

  @Override
  public String unavailableReason() {
    return Files.exists(Path.of("/dev/fuse")) ? null : "/dev/fuse is missing";
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt) throws IOException {
    return mount(lowers, upper, work, mnt, "");
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt, String extra) throws IOException {
    MountOptions options = MountOptions.parse(
        List.of(OverlayTarget.layerOptions(lowers, upper, work) + (extra.isEmpty() ? "" : "," + extra)), null,
        Path.of("/"));
    OverlayConfig config = OverlayConfig.builder().lowerDirs(lowers).upperDir(upper).workDir(work)
        .atime(dev.lamina.union.Atime.parse(List.of(extra.split(","))))
        .redirectDir(extra.contains("redirect_dir=on") ? dev.lamina.union.RedirectDir.ON
            : dev.lamina.union.RedirectDir.FOLLOW)
        .build();
    FuseMount m = FuseMount.mount(new OverlayFs(config), mnt, options, false, Duration.ofSeconds(30));
    return m::close;
  }
}
