package dev.lamina.layer;

import static dev.lamina.layer.TarBuilder.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.layer.ExtractOptions.Ownership;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real-world tar details: long names, hard links, implicit parents, whiteouts, xattrs, times, limits. */
class LayerExtractorTest {
  @TempDir Path tmp;

  private Path extract(TarBuilder t) throws IOException {
    return extract(t, TestOps.options());
  }

  private Path extract(ExtractOptions o, TarBuilder t) throws IOException {
    return extract(t, o);
  }

  private Path extract(TarBuilder t, ExtractOptions o) throws IOException {
    Path layer = tmp.resolve("layer");
    new LayerExtractor(o).extract(t.stream(), layer);
    return layer;
  }

  private static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  @Test
  void paxAndGnuLongNamesAreKeptWhole() throws IOException {
    String deep = "d".repeat(200) + "/" + "e".repeat(200) + "/" + "f".repeat(250);
    Path l = extract(tar().file(deep, "pax", 0644));
    assertThat(l.resolve(deep)).hasContent("pax");
    Files.walk(l).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    Path g = extract(tar().gnuLongNames().file(deep, "gnu", 0644).symlink("t".repeat(300), "s".repeat(200)));
    assertThat(g.resolve(deep)).hasContent("gnu");
    assertThat(Files.readSymbolicLink(g.resolve("s".repeat(200))).toString()).isEqualTo("t".repeat(300));
  }

  @Test
  void prefixesRootEntryAndMissingParents() throws IOException {
    Path l = extract(tar().dir("./", 0755).file("./a/b/c.txt", "x", 0600).dir("./a/", 0700));
    assertThat(l.resolve("a/b/c.txt")).hasContent("x");
    assertThat(mode(l.resolve("a/b/c.txt"))).isEqualTo(0600);
    assertThat(mode(l.resolve("a/b"))).isEqualTo(0755); // implicit parent
    if (TestOps.euid() == 0) {
      assertThat(mode(l.resolve("a"))).isEqualTo(0700); // named later: its own mode
    }
  }

  @Test
  void hardLinksShareTheInode() throws IOException {
    Path l = extract(tar().dir("bin", 0755).file("bin/busybox", "bb", 0755).link("bin/busybox", "bin/sh").link("/bin/busybox", "ls"));
    Object ino = Files.getAttribute(l.resolve("bin/busybox"), "unix:ino");
    assertThat(Files.getAttribute(l.resolve("bin/sh"), "unix:ino")).isEqualTo(ino);
    assertThat(Files.getAttribute(l.resolve("ls"), "unix:ino")).isEqualTo(ino);
    assertThat(Files.getAttribute(l.resolve("ls"), "unix:nlink")).isEqualTo(3);
  }

  @Test
  void entryTypesModesAndSetuid() throws IOException {
    Path l = extract(tar().file("su", "x", 04755).dir("tmp", 01777).symlink("su", "link").fifo("p", 0640));
    assertThat(Files.readSymbolicLink(l.resolve("link")).toString()).isEqualTo("su");
    if (TestOps.euid() == 0) {
      assertThat(mode(l.resolve("su"))).isEqualTo(04755);
      assertThat(mode(l.resolve("tmp"))).isEqualTo(01777);
    }
  }

  @Test
  void ownershipAsRoot() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(TestOps.euid() == 0, "lchown needs root");
    Path l = extract(tar().file("f", "x", 04750).owner(1000, 1001).symlink("f", "s").owner(7, 8));
    assertThat(Files.getAttribute(l.resolve("f"), "unix:uid")).isEqualTo(1000);
    assertThat(Files.getAttribute(l.resolve("f"), "unix:gid")).isEqualTo(1001);
    assertThat(mode(l.resolve("f"))).as("setuid survives lchown").isEqualTo(04750);
    assertThat(Files.getAttribute(l.resolve("s"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(7);
  }

  @Test
  void rootlessOwnershipGoesToTheOverrideXattr() throws IOException {
    ExtractOptions o = TestOps.options().withOwnership(Ownership.OVERRIDE_XATTR);
    Path l = extract(tar().dir("d", 0555).owner(0, 0).file("d/su", "x", 04711).owner(1000, 50)
        .file("d/secret", "y", 0).owner(33, 33).fifo("d/p", 0620).owner(5, 5), o);
    assertThat(Xattrs.get(l.resolve("d"), OverrideStat.XATTR)).isEqualTo("0:0:0555:dir");
    assertThat(mode(l.resolve("d"))).as("the user can still write into it").isEqualTo(0755);
    assertThat(Xattrs.get(l.resolve("d/su"), OverrideStat.XATTR)).isEqualTo("1000:50:4711:file");
    assertThat(mode(l.resolve("d/su"))).as("no setuid bit on disk").isEqualTo(0711);
    assertThat(Xattrs.get(l.resolve("d/secret"), OverrideStat.XATTR)).isEqualTo("33:33:0000:file");
    assertThat(mode(l.resolve("d/secret"))).isEqualTo(0600);
    assertThat(Files.isRegularFile(l.resolve("d/p"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Xattrs.get(l.resolve("d/p"), OverrideStat.XATTR)).isEqualTo("5:5:0620:pipe");
    int me = TestOps.euid();
    assertThat(Files.getAttribute(l.resolve("d/su"), "unix:uid")).isEqualTo(me);
  }

  @Test
  void whiteoutFilesAndOpaqueDirsRootless() throws IOException {
    Path l = extract(TestOps.rootless(), tar().dir("etc", 0755).whiteout("etc/motd").dir("var/lib", 0755).opaque("var/lib")
        .whiteout("gone/deep").opaque(""));
    assertThat(l.resolve("etc/.wh.motd")).exists();
    assertThat(l.resolve("etc/motd")).doesNotExist();
    assertThat(l.resolve("var/lib/.wh..wh..opq")).exists();
    assertThat(Xattrs.get(l.resolve("var/lib"), "user.overlay.opaque")).isEqualTo("y");
    assertThat(l.resolve("gone/.wh.deep")).as("implicit parent holds the whiteout").exists();
    assertThat(Xattrs.get(l, "user.overlay.opaque")).isEqualTo("y");
  }

  @Test
  void overlayWhiteoutsAsRoot() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(TestOps.euid() == 0, "mknod and trusted.* xattrs need root");
    Path l = extract(tar().dir("etc", 0755).whiteout("etc/motd").dir("var/lib", 0755).opaque("var/lib")
        .charDev("dev/overlay-form", 0, 0, 0).whiteout("missing/parent"));
    for (String w : new String[] {"etc/motd", "dev/overlay-form", "missing/parent"}) {
      Path p = l.resolve(w);
      assertThat((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & OverrideStat.S_IFMT)
          .as(w).isEqualTo(OverrideStat.S_IFCHR);
      assertThat(Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).as(w).isEqualTo(0L);
    }
    assertThat(l.resolve("etc/.wh.motd")).doesNotExist();
    assertThat(l.resolve("var/lib/.wh..wh..opq")).doesNotExist();
    assertThat(Xattrs.get(l.resolve("var/lib"), "trusted.overlay.opaque")).isEqualTo("y");
  }

  @Test
  void symlinkTargetsAreKeptExactly() throws IOException {
    Path l = extract(tar().symlink("a//b/", "s").symlink("/abs/../x", "t"));
    assertThat(new SysNodeOps().toString()).isNotEmpty();
    assertThat(dev.lamina.sys.HostFs.get().readlinkat(dev.lamina.sys.Fcntl.AT_FDCWD, l.resolve("s").toString())).isEqualTo("a//b/");
    assertThat(Files.readSymbolicLink(l.resolve("t")).toString()).isEqualTo("/abs/../x");
  }

  @Test
  void whiteoutOfAnEntryOfTheSameLayerKeepsTheEntry() throws IOException {
    Path l = extract(tar().file("a", "keep", 0644).whiteout("a").file("f", "x", 0644).whiteout("f/below"));
    assertThat(l.resolve("a")).hasContent("keep");
    assertThat(l.resolve("f")).hasContent("x");
  }

  @Test
  void flatApplyDeletesLowerEntriesOnly() throws IOException {
    Path root = Files.createDirectory(tmp.resolve("rootfs"));
    LayerExtractor x = new LayerExtractor(TestOps.options().withWhiteouts(new WhiteoutFormat.ApplyWhiteouts()));
    x.apply(tar().dir("etc", 0755).file("etc/a", "1", 0644).file("etc/b", "1", 0644).dir("var", 0755)
        .file("var/x", "1", 0644).file("var/y", "1", 0644).stream(), root);
    x.apply(tar().whiteout("etc/a").whiteout("nothere/z").file("var/new", "2", 0644).opaque("var")
        .file("var/newer", "2", 0644).stream(), root);
    assertThat(root.resolve("etc/a")).doesNotExist();
    assertThat(root.resolve("etc/b")).exists();
    assertThat(root.resolve("nothere")).doesNotExist();
    assertThat(root.resolve("var/x")).doesNotExist();
    assertThat(root.resolve("var/new")).hasContent("2");
    assertThat(root.resolve("var/newer")).hasContent("2");
  }

  @Test
  void paxXattrsAreSetAndOverlayXattrsDropped() throws IOException {
    Path l = extract(tar().file("f", "x", 0644).xattr("user.mime", "text/plain")
        .xattr("user.overlay.opaque", "y").xattr("trusted.overlay.redirect", "/etc")
        .with(e -> e.addPaxHeader("LIBARCHIVE.xattr.user.bin", "AAEC/w==")));
    assertThat(Xattrs.get(l.resolve("f"), "user.mime")).isEqualTo("text/plain");
    assertThat(Xattrs.get(l.resolve("f"), "user.overlay.opaque")).isNull();
    assertThat(Xattrs.get(l.resolve("f"), "trusted.overlay.redirect")).isNull();
    var v = Files.getFileAttributeView(l.resolve("f"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4);
    v.read("bin", b);
    assertThat(b.array()).containsExactly(0, 1, 2, 0xff);
  }

  @Test
  void directoryTimesAreSetAfterTheirContents() throws IOException {
    FileTime dirTime = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));
    Path l = extract(tar().dir("d", 0755).with(e -> e.setModTime(dirTime)).file("d/f", "x", 0644)
        .symlink("f", "d/s").dir("d/sub", 0755));
    assertThat(Files.getLastModifiedTime(l.resolve("d"))).isEqualTo(dirTime);
    assertThat(Files.getLastModifiedTime(l.resolve("d/f"))).isEqualTo(TarBuilder.T0);
    assertThat(Files.getLastModifiedTime(l.resolve("d/s"), LinkOption.NOFOLLOW_LINKS)).isEqualTo(TarBuilder.T0);
  }

  @Test
  void laterEntriesReplaceEarlierOnes() throws IOException {
    Path l = extract(tar().dir("x", 0755).file("x/in", "1", 0644).file("x", "now a file", 0644)
        .file("y", "file", 0644).dir("y", 0700).symlink("a", "z").symlink("b", "z"));
    assertThat(l.resolve("x")).hasContent("now a file");
    assertThat(Files.isDirectory(l.resolve("y"))).isTrue();
    assertThat(Files.readSymbolicLink(l.resolve("z")).toString()).isEqualTo("b");
  }

  @Test
  void compressionBombFailsCleanly() {
    byte[] zeros = new byte[1 << 20];
    TarBuilder t = tar();
    for (int i = 0; i < 5; i++) {
      t.file("zero" + i, zeros, 0644);
    }
    ExtractOptions o = TestOps.options().withLimits(LayerLimits.DEFAULT.withMaxBytes(3L << 20));
    assertThatThrownBy(() -> extract(t, o)).isInstanceOf(UnsafeEntryException.class)
        .hasMessageContaining("\"zero3\"").hasMessageContaining("more than 3145728 bytes");
    assertThat(tmp.resolve("layer")).doesNotExist();
  }

  @Test
  void tooManyEntriesFailsCleanly() {
    TarBuilder t = tar();
    for (int i = 0; i < 20; i++) {
      t.file("f" + i, "", 0644);
    }
    ExtractOptions o = TestOps.options().withLimits(LayerLimits.DEFAULT.withMaxEntries(10));
    assertThatThrownBy(() -> extract(t, o)).hasMessageContaining("\"f10\"").hasMessageContaining("more than 10 entries");
    assertThat(tmp.resolve("layer")).doesNotExist();
  }

  @Test
  void truncatedTarFailsAndLeavesNothing() {
    byte[] full = tar().file("a", new byte[100_000], 0644).file("b", "x", 0644).bytes();
    byte[] cut = java.util.Arrays.copyOf(full, 50_000);
    assertThatThrownBy(() -> new LayerExtractor(TestOps.options()).extract(new java.io.ByteArrayInputStream(cut), tmp.resolve("layer")))
        .isInstanceOf(IOException.class);
    assertThat(tmp.resolve("layer")).doesNotExist();
  }

  @Test
  void overrideStatRoundTrips() {
    for (String v : new String[] {"0:0:0755:dir", "1000:1001:4755:file", "0:6:0660:block-8-0", "0:5:0620:char-136-3", "5:5:0644:pipe"}) {
      assertThat(OverrideStat.parse(v, 0).format()).isEqualTo(v);
    }
    assertThat(OverrideStat.parse("1:2:755", OverrideStat.S_IFDIR).format()).isEqualTo("1:2:0755:dir");
    assertThatThrownBy(() -> OverrideStat.parse("a:b:c", 0)).hasMessageContaining("malformed");
  }

  @Test
  void statsCountEntriesAndBytes() throws IOException {
    LayerStats s = new LayerExtractor(TestOps.options()).extract(
        tar().file("a", "12345", 0644).whiteout("b").opaque("c").stream(), tmp.resolve("l"));
    assertThat(s).isEqualTo(new LayerStats(3, 5, 1, 1));
    assertThat(Map.of()).isEmpty();
  }
}
