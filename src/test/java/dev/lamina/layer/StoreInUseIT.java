package dev.lamina.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store with real {@code lamina} processes: {@code rmi -f} and {@code prune} while a container of the image is
 * mounted through FUSE keep its layers; a {@code mount} that starts while an {@code rmi} holds the store waits for
 * it (fcntl locks across processes) and then fails cleanly; a {@code run --rm} or {@code mount} whose FUSE mount
 * fails leaves no container.
 */
class StoreInUseIT {
  static final String EXAMPLE = "oci:" + Path.of("src/example/busybox-layers").toAbsolutePath() + ":latest";

  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static Path jar() {
    String j = System.getProperty("lamina.jar");
    Path jar = j != null ? Path.of(j)
        : Path.of(System.getProperty("lamina.home", ".")).resolve("target/lamina.jar");
    assumeTrue(Files.isRegularFile(jar), "needs target/lamina.jar (mvn package)");
    return jar;
  }

  static List<String> command(Path store, String... args) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-jar", jar().toString()));
    cmd.addAll(List.of(args));
    cmd.add("--root");
    cmd.add(store.toString());
    return cmd;
  }

  Result run(List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(cmd + " ended").isTrue();
    } finally {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  Result lamina(Path store, String... args) throws IOException, InterruptedException {
    return run(command(store, args));
  }

  static boolean fuseUsable() {
    return Files.isReadable(Path.of("/dev/fuse")) && Files.isWritable(Path.of("/dev/fuse"));
  }

  static boolean isMountPoint(Path p) throws IOException {
    return Mounts.isMountPoint(p);
  }

  static void unmount(Path mnt) throws IOException, InterruptedException {
    if (isMountPoint(mnt)) {
      new ProcessBuilder("fusermount3", "-u", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
    if (isMountPoint(mnt)) {
      new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
    awaitReleasedBySharedDaemon(mnt);
  }

  /**
   * The shared daemon (the default) releases a mount's layers when its session sees the kernel drop the mount, a
   * moment after fusermount3 returns; it lists the mounts it still holds in DIR/build-ID/mounts (NUL-separated), as
   * scripts/umount.fuse.lamina reads it. Waits until mnt has left every such list (at most 60 s: a bound, not a
   * timing).
   */
  static void awaitReleasedBySharedDaemon(Path mnt) throws IOException, InterruptedException {
    String dir = System.getenv("LAMINA_DAEMON_DIR");
    if (dir == null) {
      return; // the test run's pom sets it; without it the daemon is the user's own, not this test's
    }
    Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    Path daemons = Path.of(dir.replace("%u", String.valueOf(uid)));
    String name = mnt.toRealPath().toString();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<Path> records;
    try (Stream<Path> s = Files.isDirectory(daemons) ? Files.list(daemons) : Stream.empty()) {
      records = s.map(b -> b.resolve("mounts")).toList();
    }
    for (Path mounts : records) {
      while (Files.exists(mounts) && List.of(Files.readString(mounts).split("\0")).contains(name)
          && System.nanoTime() < end) {
        Thread.sleep(20);
      }
    }
  }

  static List<Path> containerDirs(Path store) throws IOException {
    try (Stream<Path> s = Files.list(store.resolve("containers"))) {
      return s.filter(Files::isDirectory).toList();
    }
  }

  @Test
  void rmiForceAndPruneWhileAContainerIsMountedKeepItsLayers() throws Exception {
    assumeTrue(fuseUsable(), "needs /dev/fuse (read and write)");
    Path store = tmp.resolve("store");
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    Result load = lamina(store, "load", "-q", EXAMPLE, "-t", "ex");
    assertThat(load.code()).as(load.err()).isZero();
    try {
      Result mount = lamina(store, "mount", "ex", mnt.toString(), "--name", "box");
      assertThat(mount.code()).as(mount.err()).isZero();
      String motd = Files.readString(mnt.resolve("etc/motd"));

      Result rmi = lamina(store, "rmi", "-f", "ex");
      assertThat(rmi.code()).as(rmi.err()).isZero();
      assertThat(rmi.out()).contains("Untagged: ex:latest", "Kept: " + load.out().trim()).doesNotContain("Deleted");
      Result prune = lamina(store, "prune");
      assertThat(prune.out()).as("prune deletes nothing the mounted container uses").doesNotContain("Deleted");

      try (Stream<Path> s = Files.list(mnt)) {
        assertThat(s.map(p -> p.getFileName().toString())).contains("bin", "etc");
      }
      assertThat(Files.readString(mnt.resolve("etc/motd"))).isEqualTo(motd);
      assertThat(mnt.resolve("bin/busybox")).isRegularFile();
      Files.writeString(mnt.resolve("new-file"), "written after rmi -f");
      assertThat(lamina(store, "rm", "box").err()).contains("is mounted");
    } finally {
      unmount(mnt);
    }
    Result rm = lamina(store, "rm", "box");
    assertThat(rm.code()).as(rm.err()).isZero();
    assertThat(rm.out()).contains("Deleted: " + load.out().trim());
    try (Stream<Path> s = Files.list(store.resolve("layers"))) {
      assertThat(s.filter(Files::isDirectory)).as("the layers went with the last container").isEmpty();
    }
  }

  /** The pids of lamina processes with {@code mnt} in their command line (the daemon serving it). */
  static List<Long> daemons(Path mnt) throws IOException {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          List<String> argv = List.of(Files.readString(p.resolve("cmdline")).split("\0"));
          if (argv.contains(mnt.toString()) && argv.contains("mount")) {
            pids.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile
        }
      }
    }
    return pids;
  }

  @Test
  void rmiAndPruneKeepTheLayersOfAReadOnlyMountUntilItEnds() throws Exception {
    assumeTrue(fuseUsable(), "needs /dev/fuse (read and write)");
    Path store = tmp.resolve("store");
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    assertThat(lamina(store, "load", "-q", EXAMPLE, "-t", "ex").code()).isZero();
    try {
      Result mount = lamina(store, "mount", "--read-only", "ex", mnt.toString());
      assertThat(mount.code()).as(mount.err()).isZero();
      Result rmi = lamina(store, "rmi", "ex");
      assertThat(rmi.code()).as(rmi.err()).isZero();
      assertThat(rmi.out()).contains("Deleted: sha256:", "Kept layer: sha256:").doesNotContain("Deleted layer");
      assertThat(lamina(store, "prune").out()).doesNotContain("Deleted layer");
      assertThat(mnt.resolve("bin/busybox")).isRegularFile();
      assertThat(Files.readString(mnt.resolve("etc/motd"))).isNotEmpty();
    } finally {
      unmount(mnt);
    }
    for (long pid : daemons(mnt)) { // the daemon holds the layers until it has exited
      ProcessHandle h = ProcessHandle.of(pid).orElse(null);
      if (h != null) {
        h.onExit().get(60, TimeUnit.SECONDS);
      }
    }
    Result prune = lamina(store, "prune");
    assertThat(prune.out()).contains("Deleted layer: sha256:");
    try (Stream<Path> st = Files.list(store.resolve("layers"))) {
      assertThat(st).as("no layer and no lock file left").isEmpty();
    }
  }

  /** The waiters on the fcntl lock of {@code file} in /proc/locks ("N: -> POSIX ADVISORY READ PID MAJ:MIN:INO ..."). */
  static List<Long> lockWaiters(Path file) throws IOException {
    long ino = (Long) Files.getAttribute(file, "unix:ino");
    List<Long> pids = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/locks"), StandardCharsets.UTF_8)) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 6 && f[1].equals("->") && f[6].endsWith(":" + ino)) {
        pids.add(Long.parseLong(f[5]));
      }
    }
    return pids;
  }

  @Test
  void aMountStartingWhileRmiHoldsTheStoreWaitsAndThenFailsCleanly() throws Exception {
    Path store = tmp.resolve("store");
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    assertThat(lamina(store, "load", "-q", EXAMPLE, "-t", "ex").code()).isZero();
    LayerStore s = LayerStore.open(store, TestOps.options());
    Path err = tmp.resolve("mount.err");
    Process p;
    try (PathLock rmi = PathLock.exclusive(store.resolve("store.lock"))) {
      // this JVM plays an rmi that holds the store: the mount must wait for it before it makes its container
      p = new ProcessBuilder(command(store, "mount", "ex", mnt.toString(), "--name", "box"))
          .redirectInput(new File("/dev/null")).redirectOutput(tmp.resolve("mount.out").toFile())
          .redirectError(err.toFile()).start();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!lockWaiters(store.resolve("store.lock")).contains(p.pid())) {
          if (!p.isAlive() || System.nanoTime() > deadline) {
            unmount(mnt);
            fail("lamina mount did not wait for the store lock that rmi holds (exit "
                + (p.isAlive() ? "none yet" : p.exitValue()) + "): " + Files.readString(err)
                + "; containers: " + containerDirs(store));
          }
          Thread.sleep(20);
        }
        assertThat(containerDirs(store)).as("no container before the rmi is done").isEmpty();
        new StoreCleaner(s).removeImage("ex", false);
      } catch (Throwable t) {
        p.destroyForcibly();
        throw t;
      }
    }
    try {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
      unmount(mnt);
    }
    assertThat(p.exitValue()).isNotZero();
    assertThat(Files.readString(err)).contains("was removed from the store", "load it again");
    assertThat(containerDirs(store)).isEmpty();
    assertThat(isMountPoint(mnt)).isFalse();
  }

  @Test
  void runRmAndMountWhoseFuseMountFailsLeaveNoContainer() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to bind /dev/null over /dev/fuse in a mount namespace");
    Path store = tmp.resolve("store");
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    assertThat(lamina(store, "load", "-q", EXAMPLE, "-t", "ex").code()).isZero();
    Result probe = run(List.of("unshare", "-m", "--propagation", "private", "sh", "-c", "mount --bind /dev/null /dev/fuse"));
    assumeTrue(probe.code() == 0, "cannot bind over /dev/fuse in a new mount namespace: " + probe.err());
    for (List<String> cmd : List.of(
        command(store, "run", "--rm", "ex", "true"),
        command(store, "run", "ex", "true"),
        command(store, "mount", "ex", mnt.toString()))) {
      // /dev/fuse is /dev/null in this namespace: the FUSE mount fails after the container was made
      List<String> sh = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
          "mount --bind /dev/null /dev/fuse && exec \"$@\"", "sh"));
      sh.addAll(cmd);
      Result r = run(sh);
      assertThat(r.code()).as(r.err()).isNotZero();
      assertThat(r.err()).as(cmd.toString()).containsIgnoringCase("mount");
      assertThat(containerDirs(store)).as("no container left by " + cmd.subList(4, cmd.size())).isEmpty();
    }
  }

  @Test
  void ctrlCDuringLoadSaysWhatWasInterruptedAndRemovesThePartialLayer() throws Exception {
    Path img = tmp.resolve("img");
    java.util.Random rnd = new java.util.Random(3);
    List<byte[]> layers = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      TarBuilder t = TarBuilder.tar();
      for (int i = 0; i < 600; i++) {
        byte[] b = new byte[40_000];
        rnd.nextBytes(b); // incompressible: the layer takes a while to extract
        t.file("l" + l + "/f" + i, b, 0644);
      }
      layers.add(t.bytes());
    }
    OciLayoutWriter.write(img, "x", layers);
    Path store = tmp.resolve("store");
    List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT")); // SIGINT as at a terminal
    cmd.addAll(command(store, "load", "-q", "oci:" + img + ":x"));
    Path err = tmp.resolve("load.err");
    Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
        .redirectOutput(tmp.resolve("load.out").toFile()).redirectError(err.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (p.isAlive() && System.nanoTime() < deadline && !(Files.isDirectory(store.resolve("tmp"))
          && count(store.resolve("layers")) >= 1 && count(store.resolve("tmp")) == 1)) {
        Thread.sleep(20);
      }
      assumeTrue(p.isAlive(), "the load finished before it could be interrupted");
      new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).isEqualTo(130);
    String text = Files.readString(err);
    assertThat(text).contains("lamina load: interrupted", "oci:" + img + ":x", "was not loaded", "partial layer sha256:")
        .doesNotContain("Exception");
    assertThat(count(store.resolve("tmp"))).as("the partial layer was removed on the way out").isZero();
    LayerStore s = LayerStore.open(store, TestOps.options());
    assertThat(s.images()).isEmpty();
    List<String> pruned = s.prune();
    assertThat(pruned).as("prune removes the layers no image uses").allMatch(l -> l.startsWith("Deleted layer"));
    try (Stream<Path> st = Files.list(store.resolve("layers"))) {
      assertThat(st).as("no layer and no lock file left").isEmpty();
    }
  }

  private static long count(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().endsWith(".lock")).count();
    }
  }
}
