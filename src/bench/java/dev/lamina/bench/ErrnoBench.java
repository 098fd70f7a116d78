package dev.lamina.bench;

import dev.lamina.sys.Errno;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.Errnos;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Errno mapping on the FUSE error path: what a failed lookup (ENOENT, the most frequent error a file system
 * answers) costs from the throw of an {@link ErrnoException} to the int handed back to FUSE.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ErrnoBench {
  private final ErrnoException prebuilt = new ErrnoException(Errno.ENOENT, "statx", "/usr/lib/python3/x");
  private final NoSuchFileException nio = new NoSuchFileException("/usr/lib/python3/x");
  private final UncheckedIOException wrapped = new UncheckedIOException(prebuilt);
  private final String path = "/usr/lib/python3.11/encodings/missing.py";

  /** The whole error path as the core does it today: build (message + stack trace), throw, catch, map. */
  @Benchmark
  public int throwAndMap() {
    try {
      throw new ErrnoException(Errno.ENOENT, "statx", path);
    } catch (ErrnoException e) {
      return Errnos.of(e);
    }
  }

  /** The same without the stack trace: what a stackless ErrnoException would save on every miss. */
  @Benchmark
  public int throwStacklessAndMap() {
    try {
      throw new Stackless(Errno.ENOENT, "statx", path);
    } catch (ErrnoException e) {
      return Errnos.of(e);
    }
  }

  /** Mapping alone, exact errno. */
  @Benchmark
  public int mapErrnoException() {
    return Errnos.of(prebuilt);
  }

  /** Mapping alone, by NIO exception type (a scan of the type table). */
  @Benchmark
  public int mapNioException() {
    return Errnos.of(nio);
  }

  /** Mapping alone, errno found as a cause. */
  @Benchmark
  public int mapWrapped() {
    return Errnos.of(wrapped);
  }

  /** An ErrnoException that skips fillInStackTrace, for comparison only. */
  static final class Stackless extends ErrnoException {
    Stackless(int errno, String op, String path) {
      super(errno, op, path);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
