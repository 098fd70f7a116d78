package dev.lamina.fuse;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lamina.union.UnionFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension giving each integration test fresh directories under /tmp/fuse-it-* (lower, upper,
 * work, mnt) and mounts it asks for, in this JVM ({@link #mount}) or through the {@code lamina} launcher
 * ({@link #mountCli}). Mounts use the options users get. After each test every mount is taken down under
 * a timeout: fusermount3 -u, then -z, then the daemon is killed by its pid. Skips when /dev/fuse is absent.
 */
public final class FuseFixture implements BeforeEachCallback, AfterEachCallback {
  private static final Duration TIMEOUT = Duration.ofSeconds(60); // deadlines for failures: generous, for loaded machines

  private final List<FuseMount> inProcess = new ArrayList<>();
  private final List<Path> cliMounts = new ArrayList<>();
  private Path base;
  /** Appended to the options of {@link #mountOverlay} (",fuse_api=libfuse" selects the other server). */
  private final String extraOptions;

  public FuseFixture() {
    this("");
  }

  public FuseFixture(String extraOptions) {
    this.extraOptions = extraOptions;
  }

  @Override
  public void beforeEach(ExtensionContext ctx) throws IOException {
    assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing");
    // an ordinary user mounts through the setuid fusermount3 (fuse3), which libfuse runs
    assumeTrue(FuseMount.isRoot() || dev.lamina.testing.Tools.onPath("fusermount3")
        || dev.lamina.testing.Tools.onPath("fusermount"), "FUSE mounts as an ordinary user need fusermount3 (fuse3)");
    // lamina refuses to mount when the user cannot open /dev/fuse (a fresh machine may have it 0600)
    assumeTrue(FuseMount.isRoot() || Files.isReadable(Path.of("/dev/fuse")) && Files.isWritable(Path.of("/dev/fuse")),
        "FUSE mounts as an ordinary user need read-write access to /dev/fuse (most distributions make it 0666)");
    base = Files.createTempDirectory(Path.of("/tmp"), "fuse-it-");
    for (String d : List.of("lower", "upper", "work", "mnt")) {
      Files.createDirectory(base.resolve(d));
    }
  }

  @Override
  public void afterEach(ExtensionContext ctx) throws IOException {
    List<Throwable> errors = new ArrayList<>();
    for (FuseMount m : inProcess) {
      try {
        m.close();
      } catch (Throwable t) {
        errors.add(t);
      }
    }
    for (Path mnt : cliMounts) {
      tearDownCli(mnt);
    }
    inProcess.clear();
    cliMounts.clear();
    if (base != null && !anyMountUnder(base)) {
      deleteTree(base);
    }
    if (!errors.isEmpty()) {
      throw new AssertionError("unmount failed", errors.get(0));
    }
  }

  public Path base() {
    return base;
  }

  public Path lower() {
    return base.resolve("lower");
  }

  public Path upper() {
    return base.resolve("upper");
  }

  public Path work() {
    return base.resolve("work");
  }

  public Path mnt() {
    return base.resolve("mnt");
  }

  /** Mounts a UnionFs built from the options in this JVM, on {@link #mnt()}. */
  public FuseMount mount(String options, Function<MountOptions, UnionFs> union) throws IOException {
    MountOptions o = MountOptions.parse(List.of(options), null, base);
    FuseMount m = FuseMount.mount(union.apply(o), mnt(), o, false, TIMEOUT);
    inProcess.add(m);
    return m;
  }

  /** Mounts the overlay of {@link #lower()} with upper/work (read-only: lower alone) in this JVM. */
  public FuseMount mountOverlay(boolean ro) throws IOException {
    String opts = ro ? "lowerdir=lower" : "lowerdir=lower,upperdir=upper,workdir=work";
    return mount(
        opts + extraOptions,
        o -> {
          try {
            return Unions.open(o);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  /** Records a mount made by a launched command so that it is taken down after the test. */
  public void track(Path mnt) {
    cliMounts.add(mnt);
  }

  /** Runs {@code scripts/lamina ARGS} and returns its result (the mount point is tracked for teardown). */
  public Cli.Result mountCli(String... args) throws IOException, InterruptedException {
    cliMounts.add(mnt());
    List<String> cmd = new ArrayList<>();
    cmd.add(Cli.launcher().toString());
    cmd.addAll(List.of(args));
    return Cli.run(cmd, TIMEOUT);
  }

  /** fusermount3 -u, then -z, then kill the daemon serving it. */
  static void tearDownCli(Path mnt) throws IOException {
    Optional<Long> pid = Cli.daemonPid(mnt);
    if (isMounted(mnt)) {
      Unmount.unmount(mnt, Duration.ofSeconds(30));
    }
    if (pid.isPresent()) {
      Optional<ProcessHandle> h = ProcessHandle.of(pid.get());
      if (h.isPresent()) {
        try {
          h.get().onExit().get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          h.get().destroyForcibly();
        }
      }
    }
  }

  static boolean isMounted(Path mnt) throws IOException {
    return MountTable.find(mnt).map(e -> e.fstype().startsWith("fuse")).orElse(false);
  }

  private static boolean anyMountUnder(Path base) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && MountTable.unescape(f[4]).startsWith(base.toString())) {
        return true;
      }
    }
    return false;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
