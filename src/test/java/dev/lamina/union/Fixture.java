package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;

import dev.lamina.sys.HostFs;
import dev.lamina.union.UnionFs.Caller;
import dev.lamina.union.UnionFs.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Layer directories for union tests: {@code lower0} (top lower) .. {@code lowerN}, {@code upper}, {@code work},
 * with helpers to write backing entries (files, whiteouts in both forms, opaque markers) and to use the union.
 */
final class Fixture {
  static final Caller ROOT = new Caller(0, 0);
  final HostFs fs = HostFs.get();
  final Path base;
  final Path upper;
  final Path work;
  final Path[] lowers;
  /** The union {@link #remount} made last, until {@link #unmount}. */
  private OverlayFs mounted;

  Fixture(Path base, int lowerCount) throws IOException {
    this.base = base;
    lowers = new Path[lowerCount];
    for (int i = 0; i < lowerCount; i++) {
      lowers[i] = Files.createDirectories(base.resolve("lower" + i));
    }
    upper = Files.createDirectories(base.resolve("upper"));
    work = Files.createDirectories(base.resolve("work"));
  }

  static boolean isRoot() {
    return HostFs.get().geteuid() == 0;
  }

  /** The user running the test, as a caller (ROOT when that is root). */
  static Caller self() {
    return new Caller(HostFs.get().geteuid(), HostFs.get().getegid());
  }

  OverlayConfig.Builder config() {
    return OverlayConfig.builder().lowerDirs(List.of(lowers)).upperDir(upper).workDir(work);
  }

  OverlayFs mount() throws IOException {
    return new OverlayFs(config().build());
  }

  OverlayFs mount(WhiteoutFormat f) throws IOException {
    return new OverlayFs(config().whiteoutFormat(f).build());
  }

  /** Closes the union this fixture mounted before, if any, and mounts {@code config} (tests that mount twice). */
  OverlayFs remount(OverlayConfig.Builder config) throws IOException {
    unmount();
    mounted = new OverlayFs(config.build());
    return mounted;
  }

  /** Closes the union {@link #remount} made, if any. */
  void unmount() throws IOException {
    if (mounted != null) {
      mounted.close();
      mounted = null;
    }
  }

  OverlayFs mountReadOnly() throws IOException {
    return new OverlayFs(OverlayConfig.builder().lowerDirs(List.of(lowers)).build());
  }

  static Path file(Path layer, String rel, String content) throws IOException {
    Path p = layer.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  static Path dir(Path layer, String rel) throws IOException {
    return Files.createDirectories(layer.resolve(rel));
  }

  /** A 0/0 character device whiteout (needs root). */
  void deviceWhiteout(Path layer, String rel) throws IOException {
    Files.createDirectories(layer.resolve(rel).getParent());
    fs.mknodat(AT_FDCWD, layer.resolve(rel).toString(), S_IFCHR, 0);
  }

  /** A .wh.NAME whiteout file. */
  static void fileWhiteout(Path layer, String rel) throws IOException {
    Path p = layer.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.createFile(p.getParent().resolve(".wh." + p.getFileName()));
  }

  void opaqueXattr(Path layer, String rel, String attr) throws IOException {
    fs.lsetxattr(AT_FDCWD, layer.resolve(rel).toString(), attr, new byte[] {'y'}, 0);
  }

  static String read(UnionFs u, String path) throws IOException {
    OpenFile f = u.open(path, O_RDONLY);
    try {
      ByteBuffer b = ByteBuffer.allocateDirect(1 << 16);
      int n = u.read(f, b, 0);
      b.flip();
      byte[] out = new byte[n];
      b.get(out);
      return new String(out, StandardCharsets.UTF_8);
    } finally {
      u.release(f);
    }
  }

  static void write(UnionFs u, String path, String content) throws IOException {
    OpenFile f;
    try {
      f = u.open(path, O_WRONLY | O_TRUNC);
    } catch (dev.lamina.sys.ErrnoException e) {
      f = u.create(path, 0644, O_WRONLY | O_CREAT, ROOT);
    }
    try {
      byte[] b = content.getBytes(StandardCharsets.UTF_8);
      ByteBuffer buf = ByteBuffer.allocateDirect(b.length);
      buf.put(b).flip();
      u.write(f, buf, 0);
    } finally {
      u.release(f);
    }
  }

  static List<String> names(UnionFs u, String path) throws IOException {
    UnionFs.OpenDir d = u.opendir(path);
    try {
      return u.readdir(d, 2).stream().map(UnionFs.DirEntry::name).sorted().toList();
    } finally {
      u.releasedir(d);
    }
  }

  /** The errno {@code op} fails with; an AssertionError when it succeeds or fails otherwise. */
  static int errno(ThrowingOp op) {
    try {
      op.run();
    } catch (dev.lamina.sys.ErrnoException e) {
      return e.errno();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no error");
  }

  /** An operation expected to fail with an errno. */
  @FunctionalInterface
  interface ThrowingOp {
    void run() throws Exception;
  }
}
