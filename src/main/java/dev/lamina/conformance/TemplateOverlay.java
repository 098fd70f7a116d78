package dev.lamina.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Any overlay started by a shell command template, {@code 'CMD {opts} {mnt}'}: {@code {opts}} becomes
 * {@code lowerdir=..,upperdir=..,workdir=..}, {@code {mnt}} the mount point (both quoted for the shell). The
 * command must return once the mount is live (within -Ddifftest.mount.timeout=SECONDS, 60 by default); it is
 * unmounted with {@code fusermount3 -u}, else {@code umount}.
 */
public final class TemplateOverlay implements OverlayTarget {

  private final String name;
  private final String template;

  public TemplateOverlay(String template) {
    this(Path.of(template.strip().split("\\s+")[0]).getFileName().toString(), template);
  }

  /** @param name the column's name in the report */
  public TemplateOverlay(String name, String template) {
    if (!template.contains("{mnt}")) {
      throw new IllegalArgumentException("target command '" + template + "' needs {mnt} where the mount point"
          + " goes (and {opts} where lowerdir=..,upperdir=..,workdir=.. goes)");
    }
    this.template = template;
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String unavailableReason() {
    String first = template.strip().split("\\s+")[0];
    return first.contains("/") || Shell.onPath(first) ? null : first + " is not on PATH";
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt) throws IOException {
    return mount(lowers, upper, work, mnt, "");
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt, String options) throws IOException {
    String cmd = template.replace("{opts}", quote(OverlayTarget.layerOptions(lowers, upper, work)
            + (options.isEmpty() ? "" : "," + options)))
        .replace("{mnt}", quote(mnt.toString()));
    Shell.Result r = Shell.run(FuseOverlay.MOUNT_TIMEOUT, null, List.of("sh", "-c", cmd));
    if (!r.ok() || !FuseOverlay.isMounted(mnt)) {
      FuseOverlay.forceUnmount(mnt);
      throw new IOException(name + " mount failed on " + mnt + " (exit " + r.exit() + "): " + r.err().strip());
    }
    return () -> {
      if (Shell.onPath("fusermount3") && Shell.run("fusermount3", "-u", mnt.toString()).ok()) {
        return;
      }
      if (!Shell.run("umount", mnt.toString()).ok()) {
        FuseOverlay.forceUnmount(mnt);
      }
    };
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
