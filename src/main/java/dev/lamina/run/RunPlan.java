package dev.lamina.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a container process needs, as data: which root, which argv with exactly which environment, where,
 * as whom, under which id maps, with which mounts. Built by {@link #of} from the image and the command line with
 * docker's rules; executed by {@link NamespaceExecutor}. Pure, so the rules are tested without namespaces.
 *
 * @param interactive stdin is passed to the command ({@code -i}); otherwise it reads /dev/null, as with docker
 * @param warnings things the user should hear (supplementary groups that cannot be mapped, ...)
 */
public record RunPlan(
    Path rootfs,
    List<String> argv,
    List<String> env,
    String cwd,
    ContainerUser user,
    String hostname,
    List<BindMount> binds,
    boolean readOnly,
    boolean interactive,
    boolean tty,
    IdMapping idMapping,
    List<String> warnings) {

  /** Docker's default PATH, used when the image sets none. */
  public static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  public static final String DEFAULT_HOSTNAME = "lamina";

  public RunPlan {
    argv = List.copyOf(argv);
    env = List.copyOf(env);
    binds = List.copyOf(binds);
    warnings = List.copyOf(warnings);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a run plan needs a command");
    }
  }

  /**
   * Builds the plan. {@code passwd} and {@code group} are the image's /etc/passwd and /etc/group (null when
   * absent); {@code hostEnv} is consulted only for {@code -e KEY} without a value.
   */
  public static RunPlan of(
      Path rootfs,
      ImageDefaults image,
      RunOptions opts,
      String passwd,
      String group,
      IdMapping mapping,
      Map<String, String> hostEnv)
      throws RunException {
    return of(rootfs, image, opts, passwd, group, mapping, hostEnv, false);
  }

  /**
   * As above; {@code rootOnlyAccess} says the root is a FUSE mount without {@code allow_other}, which the kernel
   * lets only processes with the mounting user's uid and gid use (fuse_allow_current_process): inside, only
   * root (uid 0, gid 0) is that user, so any other user is an error.
   */
  public static RunPlan of(
      Path rootfs,
      ImageDefaults image,
      RunOptions opts,
      String passwd,
      String group,
      IdMapping mapping,
      Map<String, String> hostEnv,
      boolean rootOnlyAccess)
      throws RunException {
    List<String> warnings = new ArrayList<>();
    List<String> argv = new ArrayList<>(image.entrypoint());
    argv.addAll(opts.command().isEmpty() ? image.cmd() : opts.command());
    if (argv.isEmpty()) {
      throw new RunException(
          "no command to run: the image sets neither Entrypoint nor Cmd; give one after --,"
              + " e.g. lamina run IMAGE -- /bin/sh");
    }

    String cwd;
    if (opts.workdir() != null && !opts.workdir().isEmpty()) {
      if (!opts.workdir().startsWith("/")) {
        throw new RunException(
            "the working directory '" + opts.workdir() + "' is invalid: it needs to be an absolute path");
      }
      cwd = opts.workdir();
    } else if (image.workingDir() != null) {
      // docker resolves a relative image WorkingDir against /
      cwd = image.workingDir().startsWith("/") ? image.workingDir() : "/" + image.workingDir();
    } else {
      cwd = "/";
    }

    boolean fromImage = opts.user() == null || opts.user().isEmpty();
    String userSpec = fromImage ? image.user() : opts.user();
    ContainerUser user = ContainerUser.resolve(userSpec, passwd, group);
    String who = (fromImage ? "the image's user '" + userSpec + "'" : "-u " + userSpec)
        + " (" + user.uid() + ":" + user.gid() + ")";
    user = mapUser(user, mapping, who, warnings);
    if (rootOnlyAccess && (user.uid() != 0 || user.gid() != 0)) {
      // never root instead: dropping privileges is often the point of -u
      throw new RunException(
          "cannot run as " + who + ": the container's FUSE mount admits only your own uid (root inside) without"
              + " allow_other, which fusermount3 grants an ordinary user only when /etc/fuse.conf has the line"
              + " user_allow_other; add that line (as root), or run as root inside with -u 0");
    }
    String hostname =
        opts.hostname() != null && !opts.hostname().isEmpty() ? opts.hostname() : DEFAULT_HOSTNAME;

    LinkedHashMap<String, String> env = new LinkedHashMap<>();
    boolean imageHasPath = image.env().stream().anyMatch(e -> e.startsWith("PATH="));
    if (!imageHasPath) {
      env.put("PATH", DEFAULT_PATH);
    }
    env.put("HOSTNAME", hostname);
    if (opts.tty()) {
      env.put("TERM", "xterm");
    }
    for (String e : image.env()) {
      int eq = e.indexOf('=');
      if (eq > 0) {
        env.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    for (String e : opts.env()) {
      int eq = e.indexOf('=');
      if (eq == 0) {
        throw new RunException("bad -e '" + e + "': expected KEY=VALUE or KEY");
      } else if (eq > 0) {
        env.put(e.substring(0, eq), e.substring(eq + 1));
      } else if (hostEnv.containsKey(e)) {
        env.put(e, hostEnv.get(e));
      } else {
        env.remove(e);
      }
    }
    env.putIfAbsent("HOME", user.home());
    List<String> envList = new ArrayList<>();
    env.forEach((k, v) -> envList.add(k + "=" + v));

    return new RunPlan(
        rootfs, argv, envList, cwd, user, hostname, opts.binds(), opts.readOnly(), opts.interactive(), opts.tty(),
        mapping, warnings);
  }

  /**
   * Keeps the user when the namespace maps its ids; otherwise fails with the reason and the fix (never runs as
   * root instead). Unmapped supplementary groups are dropped with a warning.
   */
  private static ContainerUser mapUser(ContainerUser u, IdMapping mapping, String who, List<String> warnings)
      throws RunException {
    if (!mapping.mapsUid(u.uid()) || !mapping.mapsGid(u.gid())) {
      throw new RunException(
          "cannot run as " + who + ": "
              + (!mapping.mapsUid(u.uid()) ? "uid " + u.uid() : "gid " + u.gid())
              + " has no id in this user namespace"
              + (mapping.hasRanges()
                  ? " (it is beyond your subordinate id range: ids 0-" + mapping.maxUid() + " exist inside);"
                      + " give your user a larger range in /etc/subuid and /etc/subgid"
                  : " (only root is mapped); give your user a subordinate id range (usermod --add-subuids"
                      + " 100000-165535 --add-subgids 100000-165535 $USER, with newuidmap/newgidmap from the"
                      + " package uidmap)")
              + ", or run as root inside with -u 0");
    }
    List<Long> groups = u.groups().stream().filter(mapping::mapsGid).toList();
    if (groups.size() != u.groups().size()) {
      warnings.add("supplementary groups without an id in this user namespace are dropped");
    }
    return new ContainerUser(u.uid(), u.gid(), groups, u.home());
  }

  /** The environment as a map, for tests and messages. */
  public Map<String, String> envMap() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String e : env) {
      int eq = e.indexOf('=');
      m.put(e.substring(0, eq), e.substring(eq + 1));
    }
    return m;
  }
}
