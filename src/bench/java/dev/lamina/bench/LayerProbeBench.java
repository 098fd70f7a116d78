package dev.lamina.bench;

import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.Fcntl;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * The floor of path resolution through a layer stack without an index: one fd-relative statx per layer
 * (through {@link HostFs}) until the layer that holds the name, here the bottom one, as in scripts/bench's
 * lookup-N case. Compare with a single in-memory index lookup to see what an index saves per layer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LayerProbeBench {
  @Param({"1", "16", "128"})
  int layers;

  private final HostFs fs = HostFs.get();
  private Path root;
  private int[] layerFds;
  private java.util.Map<String, Integer> index;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    root = Files.createTempDirectory("bench-probe");
    layerFds = new int[layers];
    index = new java.util.HashMap<>();
    for (int i = 0; i < layers; i++) {
      Path d = Files.createDirectories(root.resolve(Integer.toString(i)).resolve("t/d0"));
      Files.createFile(d.resolve("layer" + i));
      // top first, as lowerdir lists them; the file lives only in the bottom layer
      layerFds[layers - 1 - i] = fs.openat(Fcntl.AT_FDCWD, d.getParent().getParent().toString(),
          Fcntl.O_PATH | Fcntl.O_DIRECTORY, 0);
    }
    Files.createFile(root.resolve("0/t/d0/f00050"));
    index.put("t/d0/f00050", layers - 1);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    for (int fd : layerFds) {
      fs.closeQuietly(fd);
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** statx in each layer from the top until found: N-1 misses (ENOENT) and one hit. */
  @Benchmark
  public Stat probeEveryLayer() throws ErrnoException {
    for (int fd : layerFds) {
      Stat st = fs.lstatOrNull(fd, "t/d0/f00050");
      if (st != null) {
        return st;
      }
    }
    return null;
  }

  /** An in-memory name-to-layer index, then one statx in the layer it names. */
  @Benchmark
  public Stat indexThenOneStat() throws ErrnoException {
    Integer layer = index.get("t/d0/f00050");
    return fs.lstatOrNull(layerFds[layer], "t/d0/f00050");
  }
}
