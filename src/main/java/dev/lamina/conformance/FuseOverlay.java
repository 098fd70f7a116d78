package dev.lamina.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A FUSE overlay started by a fuse-overlayfs compatible command ({@code CMD -o lowerdir=..,upperdir=..,
 * workdir=.. MNT}, returning once the mount is live): lamina through {@code scripts/lamina mount}, or
 * fuse-overlayfs itself (only to validate the harness: -Ddifftest.targets=fuse-overlayfs).
 */
public final class FuseOverlay implements OverlayTarget {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FuseOverlay.class);

  /** How long a mount command may take: -Ddifftest.mount.timeout=SECONDS (60; an emulated JVM needs more). */
  static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(Long.getLong("difftest.mount.timeout", 60));

  private final String name;
  private final List<String> command;
  private final String extraOptions;

  private FuseOverlay(String name, List<String> command, String extraOptions) {
    this.name = name;
    this.command = command;
    this.extraOptions = extraOptions;
  }

  public static Path laminaHome() {
    return Path.of(System.getProperty("lamina.home", ".")).toAbsolutePath().normalize();
  }

  public static FuseOverlay lamina() {
    return new FuseOverlay("lamina",
        List.of(laminaHome().resolve("scripts/lamina").toString(), "mount"),
        System.getProperty("difftest.lamina.options", ""));
  }

  /** lamina through another copy of the launcher (e.g. one an unprivileged user can read). */
  public static FuseOverlay lamina(Path launcher) {
    return new FuseOverlay("lamina", List.of(launcher.toString(), "mount"),
        System.getProperty("difftest.lamina.options", ""));
  }

  /** A fuse-overlayfs compatible command under a name of its own ({@code CMD -o OPTS MNT}). */
  public static FuseOverlay of(String name, List<String> command) {
    return new FuseOverlay(name, List.copyOf(command), "");
  }

  public static FuseOverlay fuseOverlayfs() {
    return new FuseOverlay("fuse-overlayfs", List.of("fuse-overlayfs"), "");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String unavailableReason() {
    if (!Files.exists(Path.of("/dev/fuse"))) {
      return "/dev/fuse is missing";
    }
    if (!Shell.onPath("fusermount3")) {
      return "fusermount3 (package fuse3) is not installed";
    }
    if (name.equals("lamina") && command.get(0).endsWith("scripts/lamina")) {
      Path jar = Path.of(command.get(0)).getParent().resolveSibling("target/lamina.jar");
      if (!Files.exists(jar)) {
        return jar + " is missing: run the ITs through `mvn verify` (package builds it)";
      }
      try {
        Shell.Result help = Shell.run(MOUNT_TIMEOUT, null,
            Shell.concat(command, "--help"));
        // picocli answers an unknown subcommand's --help with the top-level usage (exit 0)
        if (!help.ok() || !(help.out() + help.err()).contains("lamina mount")) {
          return "`scripts/lamina mount` is not available yet: " + help.err().strip();
        }
      } catch (IOException e) {
        return "scripts/lamina failed: " + e.getMessage();
      }
    } else if (!command.get(0).contains("/") && !Shell.onPath(command.get(0))) {
      return command.get(0) + " is not installed";
    }
    return null;
  }

  /** The command that runs this filesystem in the foreground (the process is the daemon itself). */
  public List<String> foregroundCommand(List<Path> lowers, Path upper, Path work, Path mnt) {
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(List.of("-f", "-o", OverlayTarget.layerOptions(lowers, upper, work), mnt.toString()));
    return cmd;
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt) throws IOException {
    return mount(List.of(), lowers, upper, work, mnt);
  }

  @Override
  public Mounted mount(List<Path> lowers, Path upper, Path work, Path mnt, String options) throws IOException {
    return mount(List.of(), lowers, upper, work, mnt, options);
  }

  /** Mounts as another user when {@code asUser} (e.g. runuser -u NAME --) is not empty. */
  public Mounted mount(List<String> asUser, List<Path> lowers, Path upper, Path work, Path mnt)
      throws IOException {
    return mount(asUser, lowers, upper, work, mnt, "");
  }

  public Mounted mount(List<String> asUser, List<Path> lowers, Path upper, Path work, Path mnt, String options)
      throws IOException {
    String opts = OverlayTarget.layerOptions(lowers, upper, work)
        + (extraOptions.isEmpty() ? "" : "," + extraOptions) + (options.isEmpty() ? "" : "," + options);
    List<String> cmd = new ArrayList<>(asUser);
    cmd.addAll(command);
    cmd.addAll(List.of("-o", opts, mnt.toString()));
    Shell.Result r;
    try {
      r = Shell.run(MOUNT_TIMEOUT, null, cmd);
    } catch (IOException e) {
      forceUnmount(mnt);
      throw e;
    }
    if (!r.ok() || !isMounted(mnt)) {
      forceUnmount(mnt);
      throw new IOException(name + " mount failed on " + mnt + " (exit " + r.exit() + "):\n"
          + r.err().strip());
    }
    return () -> unmount(asUser, mnt);
  }

  public static boolean isMounted(Path mnt) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].equals(mnt.toString())) {
        return true;
      }
    }
    return false;
  }

  /** fusermount3 -u, then the daemon must exit; a daemon still alive after 30 s is killed. */
  public static void unmount(List<String> asUser, Path mnt) throws IOException {
    Shell.Result r = Shell.run(Duration.ofSeconds(30), null,
        Shell.concat(asUser, "fusermount3", "-u", mnt.toString()));
    // EBUSY: some process has a file, cwd or mmap in the mount. Say which, and try again for a while: a walker
    // of the whole machine (updatedb, another run's find over /tmp) holds a directory only for a moment.
    String holders = "";
    for (int i = 0; i < 20 && !r.ok() && r.err().contains("busy"); i++) {
      if (holders.isEmpty() && Shell.onPath("fuser")) {
        holders = Shell.run(Duration.ofSeconds(10), null, List.of("fuser", "-vm", mnt.toString())).err().strip();
      }
      sleep(250);
      r = Shell.run(Duration.ofSeconds(30), null, Shell.concat(asUser, "fusermount3", "-u", mnt.toString()));
    }
    if (!holders.isEmpty()) {
      log.warn("{} was busy at unmount; held by:\n{}", mnt, holders);
    }
    if (!r.ok()) {
      forceUnmount(mnt);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<ProcessHandle> daemons = daemonsServing(mnt);
    while (!daemons.isEmpty() && System.nanoTime() < deadline) {
      sleep(50);
      daemons = daemonsServing(mnt);
    }
    // A mount namespace made while the mount existed (another test run's unshare, rootless podman's pause
    // process) keeps its own copy of it: the kernel keeps the FUSE connection, so the daemon rightly goes on
    // serving that copy. Not the daemon's fault: say who holds it instead of failing.
    String copies = daemons.isEmpty() ? "" : namespacesHolding(mnt);
    daemons.forEach(ProcessHandle::destroyForcibly);
    if (!copies.isEmpty()) {
      log.warn("the daemon for {} outlived fusermount3 -u because other mount namespaces still hold the mount"
          + " (killed it): {}", mnt, copies);
      daemons = List.of();
    }
    if (!r.ok()) {
      throw new IOException("fusermount3 -u " + mnt + " failed (lazily unmounted instead): "
          + r.err().strip() + (holders.isEmpty() ? "" : "; held by:\n" + holders));
    }
    if (!daemons.isEmpty()) {
      throw new IOException("the filesystem daemon for " + mnt + " did not exit within 30 s of "
          + "fusermount3 -u; killed pids " + daemons.stream().map(ProcessHandle::pid).toList());
    }
  }

  /** Processes in another mount namespace than this one whose mount table still lists mnt, or "". */
  static String namespacesHolding(Path mnt) {
    String self = namespaceOf(ProcessHandle.current().pid());
    StringBuilder sb = new StringBuilder();
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String ns = namespaceOf(Long.parseLong(name));
        if (ns.isEmpty() || ns.equals(self) || sb.indexOf(ns) >= 0) {
          continue;
        }
        try {
          for (String line : Files.readAllLines(p.resolve("mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].equals(mnt.toString())) {
              sb.append(sb.length() == 0 ? "" : ", ").append("pid ").append(name).append(" (").append(ns)
                  .append(')');
              break;
            }
          }
        } catch (IOException | RuntimeException e) {
          // gone, or not ours to read
        }
      }
    } catch (IOException e) {
      return "";
    }
    return sb.toString();
  }

  private static String namespaceOf(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "mnt")).toString();
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  public static void forceUnmount(Path mnt) {
    try {
      Shell.run("fusermount3", "-u", "-z", mnt.toString());
      if (isMounted(mnt)) {
        Shell.run("umount", "-l", mnt.toString());
      }
    } catch (IOException ignored) {
      // nothing more to try; the caller reports the original failure
    }
    daemonsServing(mnt).forEach(ProcessHandle::destroyForcibly);
  }

  /** Processes whose command line names this (test-unique) mount point: the daemons we started. */
  public static List<ProcessHandle> daemonsServing(Path mnt) {
    String m = mnt.toString();
    long self = ProcessHandle.current().pid();
    return ProcessHandle.allProcesses()
        .filter(p -> p.pid() != self)
        .filter(p -> p.info().commandLine().map(c -> c.endsWith(" " + m) || c.contains(" " + m + " "))
            .orElse(false))
        .toList();
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
