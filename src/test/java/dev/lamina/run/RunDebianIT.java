package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.testing.HostStateLock;
import dev.lamina.testing.TestCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A package manager inside {@code lamina run}, as an unprivileged user: the Debian test image (bookworm minbase +
 * hello, built by scripts/make-debian-test-image with mmdebstrap and cached in ~/.cache/lamina-tests; skipped when
 * the Debian mirror cannot be reached) runs {@code dpkg -l}, {@code apt-get remove} and {@code dpkg -i} of a
 * local .deb, and every change lands in the container's upper dir only. /dev/fuse is set to 0666 for the test
 * user and restored (see {@link FuseAccess}). {@code apt-get update && apt-get install} from the network runs as
 * root and as the test user; those tests skip where the image's Debian mirror cannot be reached from here (they
 * use the machine's apt proxy, if it has one).
 */
@ExtendWith(HostStateLock.class)
class RunDebianIT {
  /** The built image: -Dlamina.debian.image=DIR, else this user's test cache (one per version of the script). */
  static Path CACHE;
  /** CACHE, or a copy of it in the test's directory when the test user cannot read CACHE (e.g. under /root). */
  private static Path image;
  private static TestUser user;
  private static Path dir;
  private static Path store;

  @BeforeAll
  static void setUp() throws Exception {
    assumeTrue(TestUser.available(), "needs root (to create test users), useradd, runuser, unshare, setpriv");
    assumeTrue(FuseAccess.available(), "needs /dev/fuse and fusermount");
    assumeTrue(HostTools.which("dpkg-deb").isPresent(), "needs dpkg-deb");
    Path script = Launcher.home().resolve("scripts/make-debian-test-image");
    CACHE = Path.of(System.getProperty("lamina.debian.image",
        TestCache.dir().resolve("debian-oci-" + TestCache.hashOf(script)).toString()));
    if (!Files.exists(CACHE.resolve("index.json"))) {
      assumeTrue(HostTools.which("mmdebstrap").isPresent(), "needs mmdebstrap to build the Debian test image");
      Files.createDirectories(CACHE.getParent());
      TestUser.Result b = TestUser.exec(
          List.of(script.toString(), CACHE.toString()), 900);
      assumeTrue(b.code() == 0, "could not build the Debian test image (is the Debian mirror reachable?): " + b.err());
    }
    user = TestUser.withRange("lamina-run-it");
    assumeTrue(user.range().isPresent(), "could not give the test user a subordinate id range");
    dir = Files.createTempDirectory(Path.of("/tmp"), "run-debian-it-");
    dir.toFile().setReadable(true, false);
    dir.toFile().setExecutable(true, false);
    image = CACHE;
    if (user.run(List.of("test", "-r", CACHE.resolve("index.json").toString()), null, 30).code() != 0) {
      image = dir.resolve("debian-oci");
      assertThat(TestUser.exec(List.of("cp", "-a", CACHE.toString(), image.toString()), 300).code()).isZero();
      TestUser.exec(List.of("chmod", "-R", "a+rX", image.toString()), 60);
    }
    store = dir.resolve("store");
    Files.createDirectories(store);
    TestUser.exec(List.of("chown", user.uid() + ":" + user.gid(), store.toString()), 10);
    buildDeb(dir.resolve("deb"));
  }

  /** A one-file package built on the host, to install from a bind mount with dpkg -i. */
  private static void buildDeb(Path d) throws Exception {
    Files.createDirectories(d.resolve("pkg/DEBIAN"));
    Files.createDirectories(d.resolve("pkg/usr/bin"));
    Files.writeString(d.resolve("pkg/DEBIAN/control"),
        "Package: lamina-test\nVersion: 1.0\nArchitecture: all\nMaintainer: lamina <lamina@example.org>\n"
            + "Description: lamina run test package\n");
    Files.writeString(d.resolve("pkg/usr/bin/lamina-test"), "#!/bin/sh\necho lamina-test works\n");
    d.resolve("pkg/usr/bin/lamina-test").toFile().setExecutable(true, false);
    TestUser.Result r = TestUser.exec(List.of("dpkg-deb", "--root-owner-group", "--build",
        d.resolve("pkg").toString(), d.resolve("lamina-test.deb").toString()), 60);
    assertThat(r.code()).as(r.err()).isZero();
    TestUser.exec(List.of("chmod", "-R", "a+rX", d.toString()), 10);
  }

  @AfterAll
  static void tearDown() throws Exception {
    FuseAccess.restore();
    if (dir != null) {
      assertThat(Files.readString(Path.of("/proc/mounts"))).as("mounts left").doesNotContain(store.toString());
      assertThat(user.leftoverProcesses()).as("processes left").isEmpty();
      TestUser.exec(List.of("rm", "-rf", "--one-file-system", dir.toString()), 120);
    }
  }

  private static TestUser.Result run(String... args) throws Exception {
    FuseAccess.open();
    List<String> cmd = new ArrayList<>(List.of(Launcher.path(user), "run", "-q"));
    cmd.addAll(Arrays.asList(args));
    return user.run(cmd, null, 600, Map.of("LAMINA_ROOT", store.toString()));
  }

  @Test
  void dpkgAndApt_work_andChangeOnlyTheUpperDir() throws Exception {
    TestUser.Result r = run("--name", "deb", "-v", dir.resolve("deb") + ":/mnt/deb:ro", image.toString(), "--",
        "/bin/sh", "-c",
        "set -e; dpkg -l hello | tail -1; apt-get remove -y hello >/dev/null; dpkg -i /mnt/deb/lamina-test.deb"
            + " >/dev/null; lamina-test; dpkg-query -W -f '${Package} ${Status}\\n' lamina-test;"
            + " dpkg-query -W hello >/dev/null 2>&1 || echo hello-gone;"
            + " stat -c '%A %u %g %n' /usr/bin/passwd /etc/shadow");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    List<String> out = r.out().lines().toList();
    assertThat(out.get(0)).startsWith("ii  hello");
    assertThat(out).contains("lamina-test works", "lamina-test install ok installed");
    assertThat(out).contains("hello-gone");
    // setuid root and group shadow (42), as in the image
    assertThat(out).contains("-rwsr-xr-x 0 0 /usr/bin/passwd", "-rw-r----- 0 42 /etc/shadow");

    Path upper = store.resolve("containers/deb/upper");
    assertThat(upper.resolve("usr/bin/lamina-test")).isRegularFile();
    assertThat(upper.resolve("var/lib/dpkg/status")).isRegularFile();
    assertThat(Files.exists(upper.resolve("usr/bin/.wh.hello")) || Files.exists(upper.resolve("usr/bin/hello")))
        .as("a whiteout for /usr/bin/hello").isTrue();
    try (Stream<Path> s = Files.walk(store.resolve("layers"))) {
      List<String> lower = s.map(Path::toString).toList();
      assertThat(lower).as("the image layer still has hello").anyMatch(p -> p.endsWith("/usr/bin/hello"));
      assertThat(lower).noneMatch(p -> p.endsWith("lamina-test"));
    }
    TestUser.Result again = run("--rm", "--name", "deb", image.toString(), "--", "/bin/sh", "-c",
        "dpkg-query -W -f '${Package} ${Status}\\n' lamina-test; command -v hello || echo no-hello");
    assertThat(again.out()).isEqualTo("lamina-test install ok installed\nno-hello\n");
  }

  /** apt drops to its _apt user (uid 42) to download: as real root every id is mapped, so it just works. */
  @Test
  void aptGetUpdateAndInstall_asRoot() throws Exception {
    String proxy = assumeMirrorReachable();
    Path rootStore = Files.createDirectories(dir.resolve("root-store"));
    ProcessBuilder pb = new ProcessBuilder(Launcher.home().resolve("scripts/lamina").toString(), "run", "-q", "--rm",
        CACHE.toString(), "--", "/bin/sh", "-c", aptScript(proxy, "cowsay", "/usr/games/cowsay lamina"))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("LAMINA_ROOT", rootStore.toString());
    Path out = dir.resolve("root-apt.out");
    Path err = dir.resolve("root-apt.err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(600, java.util.concurrent.TimeUnit.SECONDS)).as("apt within 10 minutes").isTrue();
    assertApt(p.exitValue(), Files.readString(out), Files.readString(err), "cowsay", "< lamina >");
    assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(rootStore.toString());
  }

  /**
   * As an ordinary user with a subordinate range _apt is mapped too; it needs the mount to admit users other
   * than the mounting one (user_allow_other in /etc/fuse.conf). The package is hello (removed, then installed
   * again from the mirror): one without symlinks, as dpkg's lchown of a new symlink fails rootless (EPERM).
   */
  @Test
  void aptGetUpdateAndInstall_asAnOrdinaryUserWithARange() throws Exception {
    String proxy = assumeMirrorReachable();
    FuseAccess.withUserAllowOther(() -> {
      TestUser.Result r = run("--rm", image.toString(), "--", "/bin/sh", "-c",
          "apt-get remove -y -q hello >/dev/null; " + aptScript(proxy, "hello", "hello"));
      assertApt(r.code(), r.out(), r.err(), "hello", "Hello, world!");
    });
  }

  private static String aptScript(String proxy, String pkg, String use) {
    String o = proxy.isEmpty() ? "" : " -o Acquire::http::Proxy=" + proxy;
    return "set -e; apt-get" + o + " update -q >/dev/null; apt-get" + o
        + " install -y -q --no-install-recommends " + pkg + " >/dev/null; " + use + ";"
        + " dpkg-query -W -f '${Package} ${Status}\\n' " + pkg;
  }

  private static void assertApt(int code, String out, String err, String pkg, String output) {
    assertThat(code).as(out + err).isZero();
    assertThat(out).contains(output, pkg + " install ok installed");
  }

  /**
   * The mirror the image's apt uses (the one make-debian-test-image took from this machine's sources), reached
   * through this machine's apt proxy if it has one; skips when it cannot be reached. Returns the proxy or "".
   */
  private static String assumeMirrorReachable() throws Exception {
    String mirror = "http://deb.debian.org/debian";
    Path sources = Path.of("/etc/apt/sources.list.d/debian.sources");
    if (Files.isReadable(sources)) {
      mirror = Files.readAllLines(sources).stream().filter(l -> l.startsWith("URIs:"))
          .map(l -> l.substring(5).trim()).findFirst().orElse(mirror);
    }
    String proxy = "";
    if (HostTools.which("apt-config").isPresent()) {
      TestUser.Result c = TestUser.exec(List.of("apt-config", "shell", "P", "Acquire::http::Proxy"), 30);
      proxy = c.out().replaceAll("(?s)^P='(.*)'\\s*$", "$1").trim();
    }
    java.net.http.HttpClient.Builder b = java.net.http.HttpClient.newBuilder()
        .connectTimeout(java.time.Duration.ofSeconds(15));
    if (!proxy.isEmpty()) {
      java.net.URI u = java.net.URI.create(proxy);
      b.proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress(u.getHost(), u.getPort())));
    }
    String url = mirror.replaceAll("/+$", "") + "/dists/bookworm/InRelease";
    int status;
    try {
      status = b.build().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
              .timeout(java.time.Duration.ofSeconds(30)).method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
              .build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (java.io.IOException e) {
      status = -1;
      System.out.println("RunDebianIT: " + url + ": " + e);
    }
    assumeTrue(status == 200, "the Debian mirror " + url + " is not reachable from here (HTTP " + status + ")"
        + (proxy.isEmpty() ? "" : " through the apt proxy " + proxy));
    return proxy;
  }
}
