package dev.lamina.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A private containers/storage store driven by podman, buildah and skopeo with one overlay mount program, as
 * root or as an {@link EngineUser}: its own graph root, run root, storage.conf (CONTAINERS_STORAGE_CONF), HOME
 * and XDG_RUNTIME_DIR under a temp dir, so nothing touches the machine's store. The storage.conf sets only the
 * driver, the private paths and {@code mount_program}; podman and buildah also get {@code --root},
 * {@code --runroot} and {@code --storage-opt overlay.mount_program=...}.
 */
final class EngineStore implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofMinutes(3);

  final Path dir;
  final Path root;
  final Path runroot;
  final String mountProgram;
  private final EngineUser user;

  private EngineStore(Path dir, String mountProgram, EngineUser user) {
    this.dir = dir;
    this.root = dir.resolve("root");
    this.runroot = dir.resolve("run");
    this.mountProgram = mountProgram;
    this.user = user;
  }

  /**
   * @param mountProgram the mount program's path, or null for the kernel's overlay
   * @param user null for root
   */
  static EngineStore create(Path parent, String name, String mountProgram, EngineUser user) throws IOException {
    Path dir = Files.createDirectories(parent.resolve(name));
    EngineStore s = new EngineStore(dir, mountProgram, user);
    for (String d : List.of("home", "xdg", "tmp")) {
      Files.createDirectories(dir.resolve(d));
    }
    s.writeConf();
    if (user != null) {
      user.own(dir);
    }
    Run.run("chmod", "0700", dir.resolve("xdg").toString()).check();
    return s;
  }

  /** A store over the same directories with another mount program (null: the kernel's overlay). */
  EngineStore withMountProgram(String program) throws IOException {
    if (program == null) {
      // containers/storage remembers that a store was used with a mount program and then takes fuse-overlayfs
      // from PATH ("storage already configured with a mount-program"): forget it, to get the kernel's overlay
      Files.deleteIfExists(root.resolve("overlay/.has-mount-program"));
    }
    EngineStore s = new EngineStore(dir, program, user);
    s.writeConf();
    return s;
  }

  private void writeConf() throws IOException {
    StringBuilder c = new StringBuilder();
    c.append("[storage]\ndriver = \"overlay\"\n");
    c.append("graphroot = \"").append(root).append("\"\n");
    c.append("runroot = \"").append(runroot).append("\"\n");
    c.append("rootless_storage_path = \"").append(root).append("\"\n");
    c.append("[storage.options.overlay]\n");
    if (mountProgram != null) {
      c.append("mount_program = \"").append(mountProgram).append("\"\n");
    }
    Path conf = dir.resolve("storage.conf");
    Files.writeString(conf, c.toString());
    if (user != null) {
      user.own(conf);
    }
  }

  boolean rootless() {
    return user != null;
  }

  Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CONTAINERS_STORAGE_CONF", dir.resolve("storage.conf").toString());
    env.put("HOME", dir.resolve("home").toString());
    env.put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
    env.put("TMPDIR", dir.resolve("tmp").toString());
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    // lamina's shared daemon: one of the store's own (rootless: one in podman's user namespace, below it), which
    // exits a second after its last mount
    env.put("LAMINA_DAEMON_DIR", daemonDirs() + "%u");
    env.put("LAMINA_DAEMON_IDLE", "1");
    String javaHome = System.getenv("JAVA_HOME");
    if (javaHome != null) {
      env.put("JAVA_HOME", javaHome);
    }
    return env;
  }

  /** podman's and buildah's global options for this store. */
  List<String> globalOptions() {
    List<String> o = new ArrayList<>(List.of("--root", root.toString(), "--runroot", runroot.toString(),
        "--storage-driver", "overlay"));
    if (mountProgram != null) {
      o.add("--storage-opt");
      o.add("overlay.mount_program=" + mountProgram);
    }
    return o;
  }

  /** The same as one shell line (for scripts run inside the user namespace). */
  String globalOptionsShell() {
    return String.join(" ", globalOptions().stream().map(EngineStore::quote).toList());
  }

  Run.Result podman(String... args) throws IOException {
    return tool("podman", true, args);
  }

  Run.Result buildah(String... args) throws IOException {
    return tool("buildah", true, args);
  }

  Run.Result skopeo(String... args) throws IOException {
    return tool("skopeo", false, args);
  }

  private Run.Result tool(String tool, boolean global, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(tool);
    if (global) {
      cmd.addAll(globalOptions());
    }
    cmd.addAll(List.of(args));
    return exec(cmd);
  }

  /**
   * Runs a shell script where the store's mounts live: as root in the host's namespaces, rootless inside
   * podman's user and mount namespace ({@code podman unshare}, held by its pause process). The script can call
   * {@code p} for podman and {@code b} for buildah with this store's options.
   */
  Run.Result inNamespace(String script) throws IOException {
    String full = "p() { podman " + globalOptionsShell() + " \"$@\"; }\n"
        + "b() { buildah " + globalOptionsShell() + " \"$@\"; }\n" + script;
    List<String> cmd = new ArrayList<>();
    if (rootless()) {
      cmd.add("podman");
      cmd.addAll(globalOptions());
      cmd.add("unshare");
    }
    cmd.addAll(List.of("sh", "-ec", full));
    return exec(cmd);
  }

  /**
   * Runs a podman command in a private mount namespace without the cgroup2 mount of a cgroup v1/v2 hybrid
   * host, with cgroups disabled and explicit limits: crun refuses hybrid hosts ("cgroups in hybrid mode not
   * supported") and cannot raise RLIMIT_NOFILE/NPROC to podman's defaults in a sandbox. Rootless, the pause
   * process of earlier commands is ended first, so that the new one starts in that namespace.
   */
  Run.Result podmanRun(String... args) throws IOException {
    endPauseProcess();
    List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
        "umount /sys/fs/cgroup/unified 2>/dev/null || true; exec \"$@\"", "sh"));
    if (user != null) {
      cmd.addAll(user.prefix());
      env().forEach((k, v) -> cmd.add(k + "=" + v));
    }
    cmd.add("podman");
    cmd.addAll(globalOptions());
    cmd.addAll(List.of("run", "--cgroups=disabled", "--network=none", "--ulimit", "nofile=1024:1024",
        "--ulimit", "nproc=1024:1024"));
    cmd.addAll(List.of(args));
    return Run.run(cmd, user == null ? env() : Map.of(), dir, TIMEOUT);
  }

  /** Ends podman's rootless pause process for this store (it holds the user and mount namespace). */
  void endPauseProcess() throws IOException {
    try (Stream<Path> s = Files.find(dir, 6, (p, a) -> p.getFileName().toString().equals("pause.pid"))) {
      for (Path pid : s.toList()) {
        String text = Files.readString(pid).strip();
        if (text.matches("\\d+")) {
          ProcessHandle.of(Long.parseLong(text)).ifPresent(h -> {
            h.destroyForcibly();
            h.onExit().join();
          });
        }
      }
    }
  }

  private Run.Result exec(List<String> cmd) throws IOException {
    List<String> full = new ArrayList<>();
    if (user != null) {
      full.addAll(user.prefix());
      env().forEach((k, v) -> full.add(k + "=" + v));
    }
    full.addAll(cmd);
    return Run.run(full, user == null ? env() : Map.of(), dir, TIMEOUT);
  }

  /** The pids of lamina daemons serving a mount of this store (java processes with the store in argv). */
  List<Long> laminaDaemons() throws IOException {
    return daemons("dev.lamina.cli.Main");
  }

  /** The prefix of the store's lamina daemon directories (LAMINA_DAEMON_DIR, with the uid after it). */
  private String daemonDirs() {
    return dir.resolve("daemon-").toString();
  }

  /**
   * The pids of processes with {@code marker} in their argv serving this store: its root in their argv (a mount's
   * own process), or the store's daemon directory in their environment (lamina's shared daemon).
   */
  List<Long> daemons(String marker) throws IOException {
    String needle = root.toString();
    String daemonEnv = "LAMINA_DAEMON_DIR=" + daemonDirs();
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String argv = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
          if (argv.contains(marker) && (argv.contains(needle)
              || Files.readString(p.resolve("environ")).replace('\0', '\n').contains("\n" + daemonEnv)
              || Files.readString(p.resolve("environ")).startsWith(daemonEnv))) {
            pids.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // the process ended meanwhile
        }
      }
    }
    return pids;
  }

  /** Resident memory of a process in KiB (VmRSS). */
  static long rssKib(long pid) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("\\D+", ""));
      }
    }
    return -1;
  }

  /**
   * A copy of the launcher, lamina-overlayfs and the jar inside {@code parent} that any user can run (the
   * checkout may sit where the test user cannot enter); returns the lamina-overlayfs path.
   */
  static Path installMountProgram(Path home, Path parent) throws IOException {
    Path dst = Files.createDirectories(parent.resolve("lamina"));
    Files.createDirectories(dst.resolve("scripts"));
    Files.createDirectories(dst.resolve("target"));
    for (String f : List.of("scripts/lamina", "scripts/lamina-overlayfs", "target/lamina.jar")) {
      Files.copy(home.resolve(f), dst.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    Run.run("chmod", "-R", "a+rX", dst.toString()).check();
    Run.run("chmod", "a+x", dst.resolve("scripts/lamina").toString(),
        dst.resolve("scripts/lamina-overlayfs").toString()).check();
    return dst.resolve("scripts/lamina-overlayfs");
  }

  /** Ends the rootless pause process this store's podman started, and removes the store (as root). */
  @Override
  public void close() throws IOException {
    endPauseProcess();
    // Whatever is still mounted under the store (a failed test) goes first, lazily.
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].startsWith(dir.toString())) {
        Run.run("umount", "-l", f[4]);
      }
    }
    for (long pid : laminaDaemons()) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    Run.run("rm", "-rf", "--one-file-system", dir.toString());
  }

  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
