package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The FUSE server on a real mount, in this JVM, over the overlay core: every supported operation reaches
 * the core and comes back with the right data or errno. This runs the default server (lamina's kernel-protocol
 * session); {@link LibfusePathApiIT} runs the same tests through jnr-fuse and libfuse 2's path API.
 */
class UnionFuseIT {
  @RegisterExtension final FuseFixture fx = new FuseFixture(extraOptions());

  /** Options added to every mount of this class. */
  String extraOptions() {
    return "";
  }

  @Test
  void readsAndWritesThroughTheMount() throws IOException {
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new Random(1).nextBytes(data);
    Files.write(fx.lower().resolve("big"), data);
    fx.mountOverlay(false);
    assertThat(Files.readAllBytes(fx.mnt().resolve("big"))).isEqualTo(data);

    Files.write(fx.mnt().resolve("new"), data);
    assertThat(Files.readAllBytes(fx.upper().resolve("new"))).isEqualTo(data);
    assertThat(Files.size(fx.mnt().resolve("new"))).isEqualTo(data.length);
  }

  @Test
  void listsLargeDirectoriesCompletelyWithTypes() throws IOException {
    Path dir = Files.createDirectory(fx.lower().resolve("d"));
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 3000; i++) {
      String name = "entry-with-a-longish-name-" + i;
      Files.createFile(dir.resolve(name));
      expected.add(name);
    }
    Files.createDirectory(dir.resolve("sub"));
    expected.add("sub");
    fx.mountOverlay(false);
    try (Stream<Path> s = Files.list(fx.mnt().resolve("d"))) {
      assertThat(s.map(p -> p.getFileName().toString()).toList())
          .containsExactlyInAnyOrderElementsOf(expected);
    }
    assertThat(Files.isDirectory(fx.mnt().resolve("d/sub"), LinkOption.NOFOLLOW_LINKS)).isTrue();
  }

  @Test
  void reportsNanosecondTimesAndStableInodes() throws IOException {
    Path f = Files.createFile(fx.lower().resolve("f"));
    FileTime t = FileTime.from(java.time.Instant.parse("2021-03-04T05:06:07.123456789Z"));
    Files.setLastModifiedTime(f, t);
    fx.mountOverlay(false);
    Path m = fx.mnt().resolve("f");
    assertThat(Files.getLastModifiedTime(m, LinkOption.NOFOLLOW_LINKS)).isEqualTo(t);
    Object ino = Files.getAttribute(m, "unix:ino");
    Files.writeString(m, "copied up", StandardOpenOption.APPEND);
    assertThat(Files.exists(fx.upper().resolve("f"))).isTrue();
    assertThat(Files.getAttribute(m, "unix:ino")).isEqualTo(ino);
  }

  @Test
  void symlinksRenamesAndXattrs() throws IOException {
    fx.mountOverlay(false);
    Path m = fx.mnt();
    Files.writeString(m.resolve("a"), "hello");
    Files.createSymbolicLink(m.resolve("link"), Path.of("a"));
    assertThat(Files.readSymbolicLink(m.resolve("link"))).isEqualTo(Path.of("a"));
    assertThat(Files.readString(m.resolve("link"))).isEqualTo("hello");
    Files.move(m.resolve("a"), m.resolve("b"));
    assertThat(Files.exists(m.resolve("a"))).isFalse();
    assertThat(Files.readString(m.resolve("b"))).isEqualTo("hello");

    UserDefinedFileAttributeView x =
        Files.getFileAttributeView(m.resolve("b"), UserDefinedFileAttributeView.class);
    x.write("color", StandardCharsets.UTF_8.encode("blue"));
    assertThat(x.list()).contains("color");
    ByteBuffer v = ByteBuffer.allocate(x.size("color"));
    x.read("color", v);
    assertThat(new String(v.array(), StandardCharsets.UTF_8)).isEqualTo("blue");
    x.delete("color");
    assertThat(x.list()).doesNotContain("color");
  }

  @Test
  void truncatesAndAppends() throws IOException {
    fx.mountOverlay(false);
    Path f = fx.mnt().resolve("f");
    Files.writeString(f, "0123456789");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(4);
    }
    assertThat(Files.readString(f)).isEqualTo("0123");
    Files.writeString(f, "ab", StandardOpenOption.APPEND);
    assertThat(Files.readString(f)).isEqualTo("0123ab");
    Files.writeString(f, "x", StandardOpenOption.TRUNCATE_EXISTING);
    assertThat(Files.readString(f)).isEqualTo("x");
  }

  @Test
  void unlinkedOpenFileStaysReadable() throws IOException {
    Files.writeString(fx.lower().resolve("f"), "still here");
    fx.mountOverlay(false);
    Path f = fx.mnt().resolve("f");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      Files.delete(f);
      assertThat(Files.exists(f)).isFalse();
      ByteBuffer b = ByteBuffer.allocate(64);
      ch.read(b, 0);
      assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8))
          .isEqualTo("still here");
    }
  }

  @Test
  void errnosCrossTheMountUnchanged() throws IOException {
    Files.createDirectories(fx.lower().resolve("full/child"));
    Files.createFile(fx.lower().resolve("file"));
    fx.mountOverlay(false);
    Path m = fx.mnt();
    assertThatThrownBy(() -> Files.readString(m.resolve("missing")))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> Files.createDirectory(m.resolve("full")))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThatThrownBy(() -> Files.delete(m.resolve("full")))
        .isInstanceOf(DirectoryNotEmptyException.class);
    // ENOTDIR: a path through a regular file
    assertThatThrownBy(() -> Files.createFile(m.resolve("file/x")))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("Not a directory");
    assertThatThrownBy(() -> Files.createDirectory(m.resolve(".wh.x")))
        .isInstanceOf(FileSystemException.class);
  }

  @Test
  void readOnlyMountAnswersErofs() throws IOException {
    Files.writeString(fx.lower().resolve("f"), "ro");
    fx.mountOverlay(true);
    Path m = fx.mnt();
    assertThat(Files.readString(m.resolve("f"))).isEqualTo("ro");
    assertThatThrownBy(() -> Files.writeString(m.resolve("f"), "x"))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("Read-only file system");
    assertThatThrownBy(() -> Files.createDirectory(m.resolve("d")))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("Read-only file system");
  }

  @Test
  void sparseFilesShowTheirHolesToSeekDataAndSeekHole() throws Exception {
    Path lower = writeSparseLower();
    fx.mountOverlay(false);
    String expected = seeks(lower);
    // the backing file system keeps the hole (otherwise there is nothing to compare)
    assertThat(expected).doesNotStartWith(String.valueOf(Files.size(lower)));
    assertThat(seeks(fx.mnt().resolve("sparse"))).isEqualTo(expected);
  }

  /** A lower file "sparse": 4 bytes at 0, 4 bytes at 8 MiB, a hole between. */
  Path writeSparseLower() throws java.io.IOException {
    Path lower = fx.lower().resolve("sparse");
    try (FileChannel ch = FileChannel.open(lower, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("head".getBytes(StandardCharsets.UTF_8)), 0);
      ch.write(ByteBuffer.wrap("tail".getBytes(StandardCharsets.UTF_8)), 8L << 20);
    }
    return lower;
  }

  /** "HOLE DATA" of SEEK_HOLE from 0 and SEEK_DATA from 1 MiB, through python3 (the JDK has no SEEK_DATA). */
  static String seeks(Path p) throws Exception {
    dev.lamina.testing.Tools.assumeOnPath("python3");
    Process pr =
        new ProcessBuilder(
                "python3", "-c",
                "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY);"
                    + " print(os.lseek(fd, 0, os.SEEK_HOLE), os.lseek(fd, 1 << 20, os.SEEK_DATA))",
                p.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(pr.waitFor()).as(out).isZero();
    return out;
  }

  @Test
  void unmountEndsTheLoopAndLeavesNoHandles() throws Exception {
    FuseMount m = fx.mountOverlay(false);
    Files.writeString(fx.mnt().resolve("f"), "x");
    assertThat(FuseFixture.isMounted(fx.mnt())).isTrue();
    assertThat(Unmount.unmount(fx.mnt(), java.time.Duration.ofSeconds(60))).isTrue();
    assertThat(m.awaitUnmount()).isZero();
    assertThat(FuseFixture.isMounted(fx.mnt())).isFalse();
    assertThat(List.of(fx.mnt().toFile().list())).isEmpty();
  }
}
