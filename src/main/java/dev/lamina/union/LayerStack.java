package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.DirEnt;
import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.sys.Stat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The layers of a mount opened as directory fds: the optional upper on top, then the lower dirs, plus the
 * private work dir ({@code WORKDIR/lamina}) where copy-ups and new entries are built before being renamed
 * into place. Leftovers of a crashed mount in the work dir are removed at open.
 */
final class LayerStack implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LayerStack.class);
  static final String WORK_SUBDIR = "lamina";

  private final HostFs fs;
  private final List<Layer> all;
  private final Layer upper;
  private final int workFd;
  private final AtomicLong tmpCounter = new AtomicLong();
  /** Read once: ProcessHandle's first use starts a reaper thread pool, which a copy-up should not wait for. */
  private static final long PID = ProcessHandle.current().pid();

  LayerStack(HostFs fs, OverlayConfig config) throws IOException {
    this.fs = fs;
    List<Layer> layers = new ArrayList<>();
    int work = -1;
    try {
      if (config.upperDir() != null) {
        layers.add(open(0, config.upperDir(), true));
      }
      for (Path p : config.lowerDirs()) {
        layers.add(open(layers.size(), p, false));
      }
      if (config.upperDir() != null) {
        work = openWork(config.workDir(), layers.get(0));
      }
    } catch (IOException | RuntimeException e) {
      for (Layer l : layers) {
        fs.closeQuietly(l.fd());
      }
      throw e;
    }
    this.all = List.copyOf(layers);
    this.upper = config.upperDir() != null ? all.get(0) : null;
    this.workFd = work;
  }

  private Layer open(int index, Path p, boolean isUpper) throws ErrnoException {
    int fd;
    try {
      fd = fs.openat(AT_FDCWD, p.toString(), O_PATH | O_DIRECTORY, 0);
    } catch (ErrnoException e) {
      throw new ErrnoException(e.errno(), "open " + (isUpper ? "upperdir" : "lowerdir"), p.toString());
    }
    Stat st = fs.fstat(fd);
    return new Layer(index, p, fd, st.dev(), isUpper);
  }

  private int openWork(Path workDir, Layer up) throws ErrnoException {
    int wfd = fs.openat(AT_FDCWD, workDir.toString(), O_PATH | O_DIRECTORY, 0);
    try {
      if (fs.fstat(wfd).dev() != up.rootDev()) {
        throw new ErrnoException(dev.lamina.sys.Errno.EXDEV, "workdir must be on the filesystem of upperdir " + up.path(), workDir.toString());
      }
      if (fs.lstatOrNull(wfd, WORK_SUBDIR) == null) {
        fs.mkdirat(wfd, WORK_SUBDIR, 0700);
      }
      int sub = fs.openBeneath(wfd, WORK_SUBDIR, O_PATH | O_DIRECTORY, 0);
      removeContents(sub);
      return sub;
    } finally {
      fs.closeQuietly(wfd);
    }
  }

  /** Empties a work directory tree (fd-relative, never following symlinks). */
  void removeContents(int dirFd) throws ErrnoException {
    int rd = fs.openat(dirFd, ".", O_RDONLY | O_DIRECTORY, 0);
    try {
      for (DirEnt e : fs.readdir(rd)) {
        removeTree(dirFd, e.name());
      }
    } finally {
      fs.closeQuietly(rd);
    }
  }

  /** Removes name below dirFd, recursively when it is a directory. */
  void removeTree(int dirFd, String name) throws ErrnoException {
    Stat st = fs.lstatOrNull(dirFd, name);
    if (st == null) {
      return;
    }
    if (st.isDir()) {
      int sub = fs.openBeneath(dirFd, name, O_PATH | O_DIRECTORY, 0);
      try {
        removeContents(sub);
      } finally {
        fs.closeQuietly(sub);
      }
      fs.unlinkat(dirFd, name, AT_REMOVEDIR);
    } else {
      fs.unlinkat(dirFd, name, 0);
    }
  }

  List<Layer> all() {
    return all;
  }

  Layer get(int index) {
    return all.get(index);
  }

  /** The upper layer, or null on a read-only mount. */
  Layer upper() {
    return upper;
  }

  int workFd() {
    return workFd;
  }

  /** A fresh name inside the work dir. */
  String tempName(String kind) {
    return kind + "-" + PID + "-" + tmpCounter.incrementAndGet();
  }

  @Override
  public void close() {
    for (Layer l : all) {
      fs.closeQuietly(l.fd());
    }
    if (workFd >= 0) {
      fs.closeQuietly(workFd);
    }
    log.debug("closed layer stack of {} layers", all.size());
  }
}
