package dev.lamina.bench;

import dev.lamina.union.OverlayConfig;
import dev.lamina.union.OverlayFs;
import dev.lamina.union.UnionFs;
import dev.lamina.union.WhiteoutFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The overlay core's hot paths without FUSE, on real directories: getattr of a path that only the bottom of
 * N layers holds (every layer merges its directories, as in scripts/bench's lookup-N), a miss (ENOENT through
 * every layer), and readdir merge (opendir + readdir + releasedir) of a directory spread over the N layers
 * plus an upper dir, with whiteouts. Steady state: the core's per-layer listings are warm after the first call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UnionBench {
  /** Entries per layer in the merged directory d0 (the bottom layer holds 1000 more). */
  private static final int PER_LAYER = 20;

  @Param({"1", "16", "128"})
  int layers;

  private Path root;
  private UnionFs union;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    root = Fixtures.tempDir("bench-union");
    OverlayConfig.Builder cfg = OverlayConfig.builder();
    for (int i = layers - 1; i >= 0; i--) { // top first
      Path l = root.resolve("l" + i);
      for (int e = 0; e < PER_LAYER; e++) {
        Fixtures.touch(l.resolve("d0/layer" + i + "-" + e));
      }
      cfg.lowerDir(l);
    }
    for (int e = 0; e < 1000; e++) {
      Fixtures.touch(root.resolve("l0/d0/f" + e));
    }
    Path upper = Files.createDirectories(root.resolve("upper/d0"));
    Files.createFile(upper.resolve("new-in-upper"));
    Files.createDirectories(root.resolve("work"));
    cfg.upperDir(root.resolve("upper")).workDir(root.resolve("work")).whiteoutFormat(WhiteoutFormat.FILE);
    union = new OverlayFs(cfg.build());
    union.unlink("/d0/f1"); // one whiteout in the upper dir, which the merge has to apply
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    union.close();
    Fixtures.deleteTree(root);
  }

  @Benchmark
  public UnionFs.Attr getattrBottomFile() throws IOException {
    return union.getattr("/d0/f500");
  }

  @Benchmark
  public int getattrMissing() {
    try {
      union.getattr("/d0/missing");
      return 0;
    } catch (IOException e) {
      return 1;
    }
  }

  @Benchmark
  public int readdirMerge() throws IOException {
    UnionFs.OpenDir d = union.opendir("/d0");
    try {
      List<UnionFs.DirEntry> all = union.readdir(d, 0);
      return all.size();
    } finally {
      union.releasedir(d);
    }
  }
}
