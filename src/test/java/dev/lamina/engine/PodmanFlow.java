package dev.lamina.engine;

import static dev.lamina.engine.EngineStore.quote;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One run of podman's mount flow on a store: load the example image, {@code podman create}, {@code podman mount},
 * read the merged tree, write through it, {@code podman umount} (no daemon may stay), mount again and read.
 */
final class PodmanFlow {
  static final String IMAGE = "localhost/busybox-layers:latest";
  static final String CONTAINER = "c1";

  /** Changes of every kind: a new file with an xattr, a removed lower file (whiteout), a replaced dir (opaque), a chown. */
  static final String WRITES =
      "echo through-the-mount > \"$M/root/written\"\n"
          + "setfattr -n user.engine -v written \"$M/root/written\"\n"
          + "rm \"$M/bin/wc\" \"$M/etc/motd\"\n"
          + "rm -rf \"$M/opt/app/data\" && mkdir \"$M/opt/app/data\" && echo new > \"$M/opt/app/data/only\"\n"
          + "mkdir \"$M/newdir\" && ln -s ../root/written \"$M/newdir/link\" && chown -h 12:34 \"$M/newdir\" \"$M/newdir/link\"\n"
          + "chmod 0750 \"$M/opt/app\"\n";

  /** What the flow saw. */
  record Result(String mountinfo, long mountMillis, Map<String, String> before, Map<String, String> after,
      long rssIdleKib, long rssWalkKib, String reread) {}

  private PodmanFlow() {}

  static void load(EngineStore s, Path image) throws IOException {
    s.skopeo("copy", "--quiet", "oci:" + image + ":latest", "containers-storage:" + IMAGE).check();
  }

  /**
   * @param daemon what the mount daemon's argv contains ("dev.lamina.cli.Main", "fuse-overlayfs"), or null for
   *     the kernel's overlay
   */
  static Result run(EngineStore s, String daemon) throws IOException {
    s.podman("create", "--name", CONTAINER, IMAGE, "true").check();
    return mountWriteRemount(s, daemon);
  }

  /** The flow on a container that exists already. */
  static Result mountWriteRemount(EngineStore s, String daemon) throws IOException {
    long t0 = System.nanoTime();
    String m = s.inNamespace("p mount " + CONTAINER).check().strip();
    long mountMillis = (System.nanoTime() - t0) / 1_000_000;
    String mi = mountinfo(s, m);
    long pid = daemon == null ? -1 : single(s.daemons(daemon), daemon);
    long idle = pid < 0 ? -1 : EngineStore.rssKib(pid);
    Map<String, String> before = list(s, m);
    long walk = pid < 0 ? -1 : EngineStore.rssKib(pid);
    s.inNamespace("M=" + quote(m) + "\n" + WRITES).check();
    s.inNamespace("p umount " + CONTAINER).check();
    if (daemon != null) {
      assertNoDaemon(s, daemon);
    }
    Run.Result again =
        s.inNamespace("M=$(p mount " + CONTAINER + ")\ncat \"$M/root/written\"\n" + TreeListing.script()
            + "cd /\np umount " + CONTAINER + " >/dev/null\n");
    String out = again.check();
    String reread = out.substring(0, out.indexOf("@@meta")).strip();
    Map<String, String> after = TreeListing.parse(out.substring(out.indexOf("@@meta")));
    if (daemon != null) {
      assertNoDaemon(s, daemon);
    }
    return new Result(mi, mountMillis, before, after, idle, walk, reread);
  }

  /** Mounts the container, lists it and unmounts it (the store as another mount program reads it). */
  static Map<String, String> listContainer(EngineStore s) throws IOException {
    String out = s.inNamespace("M=$(p mount " + CONTAINER + ")\ngrep \" $M \" /proc/self/mountinfo\n"
        + TreeListing.script() + "cd /\np umount " + CONTAINER + " >/dev/null\n").check();
    return TreeListing.parse(out);
  }

  /** The mount's fstype as mountinfo shows it where the mount lives. */
  static String fstypeOf(EngineStore s) throws IOException {
    String out = s.inNamespace("M=$(p mount " + CONTAINER + ")\ngrep \" $M \" /proc/self/mountinfo\n"
        + "p umount " + CONTAINER + " >/dev/null\n").check();
    String[] f = out.strip().split(" - ", 2);
    return f.length == 2 ? f[1].split(" ")[0] : out;
  }

  static Map<String, String> list(EngineStore s, String m) throws IOException {
    return TreeListing.parse(s.inNamespace("M=" + quote(m) + "\n" + TreeListing.script()).check());
  }

  static String mountinfo(EngineStore s, String m) throws IOException {
    return s.inNamespace("grep \" " + m + " \" /proc/self/mountinfo").check().strip();
  }

  private static long single(List<Long> pids, String daemon) {
    assertThat(pids).as("the " + daemon + " daemon serving the mount").hasSize(1);
    return pids.get(0);
  }

  static void assertNoDaemon(EngineStore s, String daemon) throws IOException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!s.daemons(daemon).isEmpty() && System.nanoTime() < deadline) {
      EngineUser.sleep(100);
    }
    assertThat(s.daemons(daemon)).as("daemons left after podman umount").isEmpty();
  }
}
