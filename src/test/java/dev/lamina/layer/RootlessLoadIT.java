package dev.lamina.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.image.Image;
import dev.lamina.image.ImageSource;
import dev.lamina.testing.DevFuseOpen;
import dev.lamina.testing.HostStateLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lamina load} as an unprivileged user (the account lamina-test, created with useradd when missing and
 * left for the other tests that use it): the store holds only the user's files, no device nodes and no char-device
 * whiteouts; owners, modes and types live in {@code user.containers.override_stat}; whiteouts are {@code .wh.}
 * files. Presented through the override xattr (and with the user mapped to root, as {@code unshare -r} shows it),
 * every layer equals the same layer extracted as root.
 */
@ExtendWith(HostStateLock.class)
class RootlessLoadIT {
  static final String USER = "lamina-test";

  @TempDir Path tmp;

  static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    return out;
  }

  @Test
  void rootlessStorePresentsTheSameLayersAsRoot() throws Exception {
    Path home = Path.of(System.getProperty("lamina.home", "."));
    Path jar = home.resolve("target/lamina.jar");
    assumeTrue(TestOps.euid() == 0 && Files.isRegularFile(jar), "needs root (to act as the test user) and target/lamina.jar");
    assumeTrue(StoreVsUmociIT.has("runuser") && StoreVsUmociIT.has("useradd") && StoreVsUmociIT.has("umoci"), "needs runuser, useradd, umoci");
    if (new ProcessBuilder("id", "-u", USER).start().waitFor() != 0) {
      run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER));
    }
    int uid = Integer.parseInt(run(List.of("id", "-u", USER)).strip());
    int gid = Integer.parseInt(run(List.of("id", "-g", USER)).strip());

    Path work = Files.createDirectory(tmp.resolve("w"));
    Path image = work.resolve("img");
    run(List.of("bash", home.resolve("src/test/resources/dev/lamina/layer/make-store-test-image.sh").toString(), image.toString()));
    Files.copy(jar, work.resolve("lamina.jar"));
    run(List.of("chmod", "-R", "a+rX", tmp.toString()));
    run(List.of("chown", "-R", uid + ":" + gid, work.toString()));
    String java = ProcessHandle.current().info().command().orElse("java");
    Path userStore = work.resolve("store");
    List<String> cmd = new ArrayList<>(List.of("runuser", "-u", USER, "--", "env", "HOME=" + work, java,
        "-XX:+UseSerialGC", "-jar", work.resolve("lamina.jar").toString(), "load", "-q", "--root", userStore.toString(),
        "oci:" + image + ":latest", "-t", "rootless:1"));
    String id = run(cmd).strip();
    assertThat(id).endsWith(id.substring(id.length() - 64)).startsWith("sha256:");

    LayerStore rootStore = LayerStore.open(tmp.resolve("root-store"), TestOps.options());
    StoredImage rootImg;
    try (Image i = ImageSource.open(ImageSource.parse("oci:" + image + ":latest"), null)) {
      rootImg = rootStore.load(i, List.of(), LoadListener.NONE);
    }
    assertThat(rootImg.id()).isEqualTo(id.substring(id.indexOf("sha256:")));
    LayerStore userView = LayerStore.open(userStore, TestOps.options());
    StoredImage userImg = userView.resolve("rootless:1");
    for (int i = 0; i < rootImg.layers().size(); i++) {
      Path r = rootStore.lowerDirs(rootImg).get(i);
      Path u = userView.lowerDirs(userImg).get(i);
      assertThat(userView.layerInfo(userImg.layers().get(i).diffId()).ownership()).isEqualTo("override_stat");
      try (var s = Files.walk(u)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          assertThat(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("owned by the user: " + p).isEqualTo(uid);
          int type = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & OverrideStat.S_IFMT;
          assertThat(type).as("no special files: " + p).isIn(OverrideStat.S_IFREG, OverrideStat.S_IFDIR, OverrideStat.S_IFLNK);
        }
      }
      Set<String> rootWh = new TreeSet<>();
      Set<String> userWh = new TreeSet<>();
      assertThat(presented(u, uid, gid, userWh, false)).as("layer " + i).isEqualTo(presented(r, -1, -1, rootWh, true));
      assertThat(userWh).as("whiteouts and opaque dirs of layer " + i).isEqualTo(rootWh);
      if (i == 1) {
        assertThat(userWh).contains("whiteout etc/issue", "whiteout usr/share/deep", "opaque var/lib/app/cache");
      }
      if (i == 0) {
        assertThat(Xattrs.get(u.resolve("dev/sda"), OverrideStat.XATTR)).isEqualTo("0:6:0660:block-8-0");
        assertThat(Xattrs.get(u.resolve("bin/su-like"), OverrideStat.XATTR)).isEqualTo("0:0:4755:file");
      }
    }
  }

  @Test
  void rootlessMountPresentsWhatUmociUnpacks() throws Exception {
    Path home = Path.of(System.getProperty("lamina.home", "."));
    Path jar = home.resolve("target/lamina.jar");
    assumeTrue(TestOps.euid() == 0 && Files.isRegularFile(jar) && Files.exists(Path.of("/dev/fuse")),
        "needs root (to act as the test user), target/lamina.jar and /dev/fuse");
    assumeTrue(StoreVsUmociIT.has("runuser") && StoreVsUmociIT.has("useradd") && StoreVsUmociIT.has("umoci")
        && StoreVsUmociIT.has("fusermount3"), "needs runuser, useradd, umoci, fusermount3");
    if (new ProcessBuilder("id", "-u", USER).start().waitFor() != 0) {
      run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER));
    }
    Path work = Files.createDirectory(tmp.resolve("w"));
    Path image = work.resolve("img");
    run(List.of("bash", home.resolve("src/test/resources/dev/lamina/layer/make-store-test-image.sh").toString(), image.toString()));
    run(List.of("umoci", "unpack", "--image", image + ":latest", tmp.resolve("bundle").toString()));
    String expected = listing(run(List.of("find", tmp.resolve("bundle/rootfs").toString(), "-mindepth", "1", "-printf", FIND)));
    Files.copy(jar, work.resolve("lamina.jar"));
    Path mnt = Files.createDirectory(work.resolve("mnt"));
    run(List.of("chmod", "-R", "a+rX", tmp.toString()));
    run(List.of("chown", "-R", USER + ":", work.toString()));
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> lamina = List.of("runuser", "-u", USER, "--", "env", "HOME=" + work, java, "-XX:+UseSerialGC", "-jar",
        work.resolve("lamina.jar").toString());
    // /dev/fuse is 0600 on a fresh machine: opened to all users for the duration of the test, then restored
    // (before the unmount below, which does not open it)
    try (DevFuseOpen open = DevFuseOpen.toEveryone()) {
      List<String> mount = new ArrayList<>(lamina);
      mount.addAll(List.of("mount", "--root", work.resolve("store").toString(), "--read-only", "oci:" + image + ":latest", mnt.toString()));
      run(mount);
      // find exits 1 for the image's 0700 /root, which the user may not enter (it is empty in this image)
      Process find = new ProcessBuilder("runuser", "-u", USER, "--", "find", mnt.toString(), "-mindepth", "1", "-printf", FIND)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String raw = new String(find.getInputStream().readAllBytes());
      find.waitFor(60, TimeUnit.SECONDS);
      // symlinks cannot carry user.* xattrs: they belong to the user, which a user namespace shows as root
      int uid = Integer.parseInt(run(List.of("id", "-u", USER)).strip());
      int gid = Integer.parseInt(run(List.of("id", "-g", USER)).strip());
      String got = listing(raw.replace("|l|777|" + uid + ":" + gid + "|", "|l|777|0:0|"));
      assertThat(got).isEqualTo(expected);
      assertThat(got).contains("dev/sda b 660 0:6", "srv/fifo p 640 0:0", "bin/su-like f 4755 0:0", "home/user/notes f 644 1000:1000");
    } finally {
      new ProcessBuilder("runuser", "-u", USER, "--", "fusermount3", "-u", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static final String FIND = "%P|%y|%m|%U:%G|%s|%l\\n";

  /** find -printf output, sorted, with sizes only for regular files (directory sizes differ by filesystem). */
  private static String listing(String find) {
    List<String> out = new ArrayList<>();
    for (String line : find.split("\n")) {
      String[] f = line.split("\\|", -1);
      if (f.length < 6) {
        continue;
      }
      out.add(f[0] + " " + f[1] + " " + f[2] + " " + f[3] + (f[1].equals("f") ? " " + f[4] : "") + (f[5].isEmpty() ? "" : " -> " + f[5]));
    }
    java.util.Collections.sort(out);
    return String.join("\n", out);
  }

  /**
   * The layer as presented, whiteouts and opaque markers collected apart (their own metadata differs by form);
   * {@code uid}/{@code gid} (the user's ids) read as 0, as in a user namespace that maps the user to root.
   */
  static Map<String, String> presented(Path layer, int uid, int gid, Set<String> markers, boolean rootForm) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : PresentedTree.of(layer).entrySet()) {
      String k = e.getKey();
      Path p = layer.resolve(k);
      String name = p.getFileName().toString();
      if (rootForm && e.getValue().startsWith("char 0000 0:0 dev=0:0")) {
        markers.add("whiteout " + k);
        continue;
      }
      if (!rootForm && name.equals(WhiteoutFormat.OPAQUE)) {
        markers.add("opaque " + layer.relativize(p.getParent()));
        continue;
      }
      if (!rootForm && name.startsWith(WhiteoutFormat.WH_PREFIX)) {
        markers.add("whiteout " + layer.relativize(p.getParent().resolve(name.substring(4))));
        continue;
      }
      if (rootForm && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && "y".equals(Xattrs.get(p, "trusted.overlay.opaque"))) {
        markers.add("opaque " + k);
      }
      String v = e.getValue();
      if (uid >= 0) {
        v = v.replaceFirst("^(\\S+ \\d{4}) " + uid + ":" + gid + "( |$)", "$1 0:0$2");
      }
      out.put(k, v);
    }
    return out;
  }
}
