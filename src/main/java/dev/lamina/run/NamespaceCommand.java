package dev.lamina.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns a {@link RunPlan} into the argv of the helper process tree (pure data, so it is unit-tested):
 *
 * <pre>
 * setpriv --pdeathsig KILL --            dies with lamina
 *   unshare --user --map-root-user [--map-users/--map-groups] --mount --pid --uts --ipc --fork --kill-child
 *       --propagation slave --
 * (as real root, with every id mapped by lamina itself: unshare --user -- /bin/sh -c WAIT lamina-wait-for-map
 *  FIFO unshare --mount --pid ...: the shell waits until lamina has written the maps, then execs the rest)
 *     /bin/sh -c INIT lamina-init ROOTFS HOSTNAME READONLY NBINDS [SRC DST MODE]... --   (pid 1, root inside)
 *       env --default-signal -i ENV... [setpriv --regid G --groups ...] unshare --root R --wd CWD [--setuid U] -- ARGV
 * </pre>
 */
public final class NamespaceCommand {
  private static final String INIT = loadInit();

  private NamespaceCommand() {}

  /** A bind mount with its target already resolved to a host path inside the root. */
  public record ResolvedBind(Path source, Path target, boolean readOnly) {}

  /**
   * Waits for one line on the FIFO (lamina writes it once the maps are written), then execs the rest. It runs
   * without capabilities until then: an exec before the map exists would drop them for good.
   */
  static final String WAIT_FOR_MAP =
      "read -r _ < \"$1\" || { echo 'lamina: the id maps of the container were not written' >&2; exit 125; };"
          + " shift; exec \"$@\"";

  /** The whole argv; {@code binds} include the image's missing /etc/resolv.conf and /etc/hosts. */
  public static List<String> argv(RunPlan plan, HostTools tools, List<ResolvedBind> binds) {
    return argv(plan, tools, binds, null);
  }

  /**
   * As above; for {@link IdMapping#isHostIdentity} the user namespace is created first and its shell waits on
   * {@code mapped} (a FIFO) for lamina to write the maps.
   */
  public static List<String> argv(RunPlan plan, HostTools tools, List<ResolvedBind> binds, Path mapped) {
    List<String> a = new ArrayList<>();
    a.add(tools.setpriv().toString());
    a.add("--pdeathsig");
    a.add("KILL");
    a.add("--");
    a.add(tools.unshare().toString());
    a.add("--user");
    IdMapping m = plan.idMapping();
    if (m.isHostIdentity()) {
      if (mapped == null) {
        throw new IllegalArgumentException("the host identity map needs a FIFO to wait on");
      }
      a.addAll(List.of("--", tools.sh().toString(), "-c", WAIT_FOR_MAP, "lamina-wait-for-map", mapped.toString()));
      a.add(tools.unshare().toString());
    } else {
      a.add("--map-root-user");
    }
    if (m.hasRanges() && !m.isHostIdentity()) {
      // unshare runs newuidmap/newgidmap for these lines; root's line comes from --map-root-user.
      for (IdMap u : m.uids().subList(1, m.uids().size())) {
        a.add("--map-users=" + u.outside() + "," + u.inside() + "," + u.count());
      }
      for (IdMap g : m.gids().subList(1, m.gids().size())) {
        a.add("--map-groups=" + g.outside() + "," + g.inside() + "," + g.count());
      }
    }
    a.addAll(List.of("--mount", "--pid", "--uts", "--ipc", "--fork", "--kill-child=KILL"));
    // slave: unmounts on the host (other users of FUSE, our own cleanup) still reach this namespace
    a.addAll(List.of("--propagation", "slave", "--"));
    a.add(tools.sh().toString());
    a.add("-c");
    a.add(INIT);
    a.add("lamina-init");
    a.add(plan.rootfs().toString());
    a.add(plan.hostname());
    a.add(plan.readOnly() ? "1" : "0");
    a.add(Integer.toString(binds.size()));
    for (ResolvedBind b : binds) {
      a.add(b.source().toString());
      a.add(b.target().toString());
      a.add(b.readOnly() ? "ro" : "rw");
    }
    a.add("--");
    a.addAll(finalCommand(plan, tools));
    return a;
  }

  /** What init execs: exactly the planned environment, then chroot, user switch, chdir and exec. */
  static List<String> finalCommand(RunPlan plan, HostTools tools) {
    List<String> a = new ArrayList<>();
    a.add(tools.env().toString());
    a.add("--default-signal");
    a.add("-i");
    a.addAll(plan.env());
    ContainerUser u = plan.user();
    boolean switchUser = plan.idMapping().hasRanges();
    if (switchUser) {
      // unshare --setgid would drop supplementary groups, so setpriv sets the gid and groups while still root;
      // unshare then chroots (needs CAP_SYS_CHROOT) before dropping to the uid.
      a.add(tools.setpriv().toString());
      a.add("--regid=" + u.gid());
      a.add(
          u.groups().isEmpty()
              ? "--clear-groups"
              : "--groups=" + u.groups().stream().map(String::valueOf).collect(Collectors.joining(",")));
      a.add("--");
    }
    a.add(tools.unshare().toString());
    a.add("--root=" + plan.rootfs());
    a.add("--wd=" + plan.cwd());
    if (switchUser && u.uid() != 0) {
      a.add("--setuid=" + u.uid());
    }
    a.add("--");
    a.addAll(plan.argv());
    return a;
  }

  private static String loadInit() {
    try (InputStream in = NamespaceCommand.class.getResourceAsStream("init.sh")) {
      if (in == null) {
        throw new IllegalStateException("init.sh is missing from the lamina jar");
      }
      // comments stay in the resource; the argv (seen in ps) gets only the code
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(l -> !l.isBlank() && !l.stripLeading().startsWith("#"))
          .collect(Collectors.joining("\n", "", "\n"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
