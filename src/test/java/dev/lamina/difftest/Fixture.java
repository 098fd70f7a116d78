package dev.lamina.difftest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The lower layers every scenario starts from, built once per run and copied ({@code cp -a}: xattrs,
 * hard links, devices and times kept) fresh for each target and scenario.
 *
 * <pre>
 * lower1 (bottom)                         lower0 (top)
 *   d1/ f1 f2(1001:1002) sub/g  user.dirattr   d1/ (0750) ftop
 *   shadow "bottom shadow"                     shadow "top shadow" (0600)
 *   gone, wdir/x                               gone, wdir: 0/0 char device whiteouts
 *   opq/ old1 old2                             opq/ new1   trusted.overlay.opaque=y
 *   merged/ b1 both                            merged/ t1 both
 *   lowfile (1000:1000, user.color=blue)       topfile
 *   lnk -> lowfile, dangle -> nowhere          many/ t00..t09
 *   hl1 = hl2 (one inode), fifo, emptylow/
 *   many/ e00..e29, big (1 MiB), exec (0755), dlow/inner/deep, sparse (8 MiB, 4 bytes of data)
 * </pre>
 * Every entry's atime and mtime is {@link #T0_NS}, so copy-up must visibly preserve them.
 */
final class Fixture {

  /** 2017-07-14T02:40:00.123456789Z: far enough in the past to be told apart from "now". */
  static final long T0_NS = 1_500_000_000_123_456_789L;
  static final int LAYERS = 2;

  private Fixture() {}

  static List<Step> bottom() {
    Scenario.Builder b = Scenario.named("lower1", "bottom layer")
        .op("mkdir", "d1").op("create", "d1/f1", "bottom f1").op("create", "d1/f2", "bottom f2")
        .op("chown", "d1/f2", 1001, 1002).op("mkdir", "d1/sub").op("create", "d1/sub/g", "g")
        .op("setxattr", "d1", "user.dirattr", "lower")
        .op("create", "shadow", "bottom shadow").op("create", "gone", "bottom gone")
        .op("mkdir", "wdir").op("create", "wdir/x", "x")
        .op("mkdir", "opq").op("create", "opq/old1", "old1").op("create", "opq/old2", "old2")
        .op("mkdir", "merged").op("create", "merged/b1", "b1").op("create", "merged/both", "bottom")
        .op("create", "lowfile", "lower content\n").op("chown", "lowfile", 1000, 1000)
        .op("setxattr", "lowfile", "user.color", "blue")
        .op("symlink", "lowfile", "lnk").op("symlink", "nowhere", "dangle")
        .op("create", "hl1", "hardlinked").op("link", "hl1", "hl2")
        .op("mkfifo", "fifo", "0640").op("mkdir", "emptylow")
        .op("create", "big", java.util.Map.of("pattern", 1 << 20, "seed", 1))
        .op("create", "exec", "#!/bin/sh\necho hi\n", "0755")
        .op("create", "sparse", "").op("truncate", "sparse", 8 << 20).op("pwrite", "sparse", "data", 1 << 20)
        .op("mkdir", "dlow").op("mkdir", "dlow/inner").op("create", "dlow/inner/deep", "deep")
        .op("mkdir", "many");
    for (int i = 0; i < 30; i++) {
      b.op("create", String.format("many/e%02d", i), "e" + i);
    }
    return b.op("settimes_all", T0_NS).build().steps();
  }

  static List<Step> top() {
    Scenario.Builder b = Scenario.named("lower0", "top layer")
        .op("mkdir", "d1", "0750").op("create", "d1/ftop", "ftop")
        .op("create", "shadow", "top shadow", "0600")
        .op("mknod", "gone", "chr", 0, 0, "0000").op("mknod", "wdir", "chr", 0, 0, "0000")
        .op("mkdir", "opq").op("setxattr", "opq", "trusted.overlay.opaque", "y")
        .op("create", "opq/new1", "new1")
        .op("mkdir", "merged").op("create", "merged/t1", "t1").op("create", "merged/both", "top")
        .op("create", "topfile", "top content\n").op("mkdir", "many");
    for (int i = 0; i < 10; i++) {
      b.op("create", String.format("many/t%02d", i), "t" + i);
    }
    return b.op("settimes_all", T0_NS).build().steps();
  }

  /** Builds lower0 and lower1 under {@code template}, failing loudly if any fixture step fails. */
  static void build(Path template) throws IOException {
    build(template.resolve("lower1"), bottom());
    build(template.resolve("lower0"), top());
  }

  private static void build(Path layer, List<Step> steps) throws IOException {
    Files.createDirectories(layer);
    FsDriver.Result r = FsDriver.run(layer, steps, false, null);
    for (int i = 0; i < steps.size(); i++) {
      if (r.steps().get(i).has("err")) {
        throw new IOException("fixture step " + steps.get(i).label() + " failed in " + layer + ": "
            + r.steps().get(i).get("err").asText());
      }
    }
    Shell.check("touch", "-h", "-d", "@" + T0_NS / 1_000_000_000L + "." + T0_NS % 1_000_000_000L,
        layer.toString());
  }

  /** A fresh copy of the layers plus empty upper and work dirs and a mount point, under {@code dir}. */
  record Layout(List<Path> lowers, Path upper, Path work, Path mnt) {}

  static Layout copy(Path template, Path dir) throws IOException {
    Files.createDirectories(dir);
    Shell.check("cp", "-a", template.toString() + "/.", dir.toString());
    List<Path> lowers = new ArrayList<>();
    for (int i = 0; i < LAYERS; i++) {
      lowers.add(dir.resolve("lower" + i));
    }
    Layout l = new Layout(lowers, dir.resolve("upper"), dir.resolve("work"), dir.resolve("mnt"));
    Files.createDirectories(l.upper());
    Files.createDirectories(l.work());
    Files.createDirectories(l.mnt());
    // the merged root shows the upper root's metadata: give it the fixture's mode and times
    Shell.check("touch", "-d", "@" + T0_NS / 1_000_000_000L + "." + T0_NS % 1_000_000_000L,
        l.upper().toString());
    return l;
  }
}
