package dev.lamina.union;

import static dev.lamina.sys.Fcntl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.sys.ErrnoException;
import dev.lamina.sys.HostFs;
import dev.lamina.union.UnionFs.Caller;
import dev.lamina.union.UnionFs.OpenFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host system calls per overlay operation over a 4-layer stack (upper + 3 lowers), counted with
 * {@link CountingHostFs} once caches are warm (the steady state of a tar extraction or a tree walk). Each
 * figure is the average over {@link #N} operations on distinct names of one deep directory (one HostFs call is
 * one system call, except listdir: open, getdents64, close); the bounds keep the savings from silently coming
 * undone. The table is logged (and printed with -Dsyscalls.print=true).
 *
 * <pre>
 * lower2 (bottom)  a/b/c/d/f0..f9, a/b/c/d/e/ (empty dirs e0..e9)
 * lower1           a/b/c/d/g1, a/b/x, a/b/c/d/h0..h9
 * lower0 (top)     a/b/c/d/g0, a/b/c/d/.wh.f9, a/b/c/d/r0..r9
 * upper            (empty)
 * </pre>
 */
@Timeout(120)
class SyscallCountTest {
  private static final Logger log = LoggerFactory.getLogger(SyscallCountTest.class);
  static final int N = 8;
  static final String D = "/a/b/c/d";
  /** Host calls for {@link #tarFile}: 39 before the work of issue 6, 17 after (+1 for a umask taking mode bits). */
  static final double TAR_BOUND = 17 + 1;
  /**
   * Host calls per entry of {@link #deleteLowerTree_deviceWhiteouts}: 16.7 before the work of issue 6, 5.8 after;
   * 4.85 before metacopy (issue 15: the copied-up dirs' origins add 3 name_to_handle_at and 3 xattrs per 99
   * entries), then +96 lgetxattr per 99 entries: each lower file is asked once whether it is a metadata-only copy
   * (MetaCopy), 5.82 measured.
   */
  static final double DELETE_BOUND = 5.85;

  @TempDir Path tmp;
  Fixture fx;
  CountingHostFs counting;
  OverlayFs u;
  Caller me;

  @BeforeEach
  void setUp() throws Exception {
    fx = new Fixture(tmp, 3);
    for (int i = 0; i < 10; i++) {
      Fixture.file(fx.lowers[2], "a/b/c/d/f" + i, "data" + i);
      Fixture.dir(fx.lowers[2], "a/b/c/d/e" + i);
    }
    Fixture.file(fx.lowers[1], "a/b/c/d/g1", "g1");
    Fixture.file(fx.lowers[1], "a/b/x", "x");
    Fixture.file(fx.lowers[0], "a/b/c/d/g0", "g0");
    for (int i = 0; i < 10; i++) {
      Fixture.file(fx.lowers[1], "a/b/c/d/h" + i, "h" + i);
      Fixture.file(fx.lowers[0], "a/b/c/d/r" + i, "r" + i);
    }
    Fixture.fileWhiteout(fx.lowers[0], "a/b/c/d/f9");
    counting = new CountingHostFs(HostFs.get());
    u = new OverlayFs(counting.fs(), fx.config().whiteoutFormat(WhiteoutFormat.FILE).build());
    me = new Caller(fx.fs.geteuid(), fx.fs.getegid());
  }

  @AfterEach
  void tearDown() throws Exception {
    u.close();
  }

  @FunctionalInterface
  interface Op {
    void run(int i) throws Exception;
  }

  /** Average calls per operation over N runs of op (after one unmeasured warm-up run at index N). */
  private double measure(Map<String, Double> table, String name, Op op) throws Exception {
    op.run(N);
    counting.reset();
    for (int i = 0; i < N; i++) {
      op.run(i);
    }
    double per = (double) counting.total() / N;
    table.put(name, per);
    log.info("{}: {} calls per op {}", name, per, counting.snapshot());
    if (Boolean.getBoolean("syscalls.print")) {
      System.out.printf("%-40s %6.1f  %s%n", name, per, counting.snapshot());
    }
    return per;
  }

  /** What the FUSE layer asks for a new file: LOOKUP (ENOENT), CREATE, the fgetattr that answers it, RELEASE. */
  private void fuseCreate(String path) throws Exception {
    assertThatThrownBy(() -> u.getattr(path)).isInstanceOf(ErrnoException.class);
    OpenFile f = u.create(path, 0644, O_WRONLY | O_CREAT, me);
    u.fgetattr(f);
    u.release(f);
  }

  /**
   * What the kernel-protocol adapter asks for one file of a {@code tar x} as root (seen with strace): LOOKUP,
   * CREATE (+ its attributes), GETXATTR security.capability before the write (the kernel's kill-priv check),
   * WRITE, then SETATTR mtime, chown and chmod, each answered with fresh attributes, and RELEASE.
   */
  private void tarFile(String path) throws Exception {
    assertThatThrownBy(() -> u.getattr(path)).isInstanceOf(ErrnoException.class);
    OpenFile f = u.create(path, 0600, O_WRONLY | O_CREAT | O_EXCL, me);
    u.fgetattr(f);
    assertThatThrownBy(() -> u.getxattr(path, "security.capability")).isInstanceOf(ErrnoException.class);
    u.write(f, java.nio.ByteBuffer.wrap("data".getBytes()), 0);
    u.utimens(path, UnionFs.Timespec.OMIT, new UnionFs.Timespec(1_700_000_000L, 0));
    u.getattr(path);
    assertThatThrownBy(() -> u.getxattr(path, "security.capability")).isInstanceOf(ErrnoException.class);
    u.getattr(path);
    u.chown(path, me.uid(), me.gid());
    u.getattr(path);
    u.chmod(path, 0644);
    u.getattr(path);
    u.release(f);
  }

  /**
   * {@code rm -rf} of a lower directory of 32 files with device whiteouts (root): list it, unlink each file,
   * rmdir it (which checks the directory is empty, then removes its upper copy full of whiteouts).
   */
  @Test
  void deleteLowerTree_deviceWhiteouts() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Fixture.isRoot(), "device whiteouts need root");
    Fixture f = new Fixture(tmp.resolve("rm"), 2);
    for (int d = 0; d < 4; d++) {
      for (int i = 0; i < 32; i++) {
        Fixture.file(f.lowers[1], "t/d" + d + "/f" + i, "x");
      }
    }
    CountingHostFs c = new CountingHostFs(HostFs.get());
    try (OverlayFs v = new OverlayFs(c.fs(), f.config().whiteoutFormat(WhiteoutFormat.DEVICE).build())) {
      Op rmTree = d -> {
        String dir = "/t/d" + d;
        for (String n : Fixture.names(v, dir)) {
          v.getattr(dir + "/" + n);
          v.unlink(dir + "/" + n);
        }
        v.rmdir(dir);
      };
      rmTree.run(0); // warm: copies /t up
      c.reset();
      for (int d = 1; d < 4; d++) {
        rmTree.run(d);
      }
      double perEntry = (double) c.total() / (3 * 33);
      log.info("rm -rf of a lower tree, device whiteouts: {} calls per entry {}", perEntry, c.snapshot());
      if (Boolean.getBoolean("syscalls.print")) {
        System.out.printf("%-40s %6.1f  %s%n", "rm -rf lower tree, per entry (device)", perEntry, c.snapshot());
      }
      assertThat(perEntry).isLessThanOrEqualTo(DELETE_BOUND);
      assertThat(Fixture.names(v, "/t")).isEmpty();
    }
  }

  @Test
  void callsPerOperation() throws Exception {
    Map<String, Double> t = new LinkedHashMap<>();
    // reads before anything is copied up
    double getattrLower = measure(t, "getattr deep lower file", i -> u.getattr(D + "/f" + (i % 8)));
    double getattrDir = measure(t, "getattr deep merged dir", i -> u.getattr(D));
    double negative = measure(t, "getattr missing name (ENOENT)", i ->
        assertThatThrownBy(() -> u.getattr(D + "/none" + i)).isInstanceOf(ErrnoException.class));
    // writes; the first one copies the parent chain up
    double create = measure(t, "create (lookup, create, fgetattr, release)", i -> fuseCreate(D + "/new" + i));
    double getattrUpper = measure(t, "getattr deep upper file", i -> u.getattr(D + "/new" + (i % 8)));
    double getattrLowerMerged = measure(t, "getattr lower file, merged parent", i -> u.getattr(D + "/f" + (i % 8)));
    double getattrDirMerged = measure(t, "getattr merged dir with upper", i -> u.getattr(D));
    double mkdir = measure(t, "mkdir (lookup, mkdir, getattr)", i -> {
      assertThatThrownBy(() -> u.getattr(D + "/nd" + i)).isInstanceOf(ErrnoException.class);
      u.mkdir(D + "/nd" + i, 0755, me);
      u.getattr(D + "/nd" + i);
    });
    double chmod = measure(t, "chmod lower file (copy-up)", i -> u.chmod(D + "/f" + i, 0600));
    double chmodUpper = measure(t, "chmod upper file", i -> u.chmod(D + "/new" + i, 0640));
    double unlinkLower = measure(t, "unlink lower file (whiteout)", i -> u.unlink(D + "/h" + i));
    double unlinkUpper = measure(t, "unlink upper file", i -> u.unlink(D + "/new" + i));
    double rmdirLower = measure(t, "rmdir lower dir (whiteout)", i -> u.rmdir(D + "/e" + i));
    double rmdirUpper = measure(t, "rmdir upper dir", i -> u.rmdir(D + "/nd" + i));
    double renameLower = measure(t, "rename lower file", i -> u.rename(D + "/r" + i, D + "/rr" + i, 0));
    double renameUpper = measure(t, "rename upper file", i -> u.rename(D + "/rr" + i, D + "/rrr" + i, 0));
    double tar = measure(t, "tar x of one file (adapter's requests)", i -> tarFile(D + "/tar" + i));
    assertThat(t).hasSize(17);
    if (!Fixture.isRoot()) {
      return; // the bounds below are for root (CI); rootless adds override_stat reads and writes
    }
    // before this work (same test): 1, 0, 0, 18, 2, 2, 4, 15, 26, 5, 11, 5, 16, 13, 38, 10. The +1 on create,
    // mkdir and copy-up allows a umask that takes bits of the requested mode (then one chmod more).
    // +1 on the first lookup of a regular lower file: is it a metadata-only
    // copy (MetaCopy)? Asked once per file and mount, as the kernel asks at its first lookup.
    assertThat(getattrLower).isLessThanOrEqualTo(1 + 1);
    assertThat(getattrDir).isZero();
    assertThat(negative).isZero();
    assertThat(create).isLessThanOrEqualTo(4 + 1);
    assertThat(getattrUpper).isLessThanOrEqualTo(2);
    assertThat(getattrLowerMerged).isZero();
    assertThat(getattrDirMerged).isLessThanOrEqualTo(1);
    assertThat(mkdir).isLessThanOrEqualTo(3 + 1);
    // a copy-up records its origin (issue 15): name_to_handle_at of the lower file and the xattr on the copy, as
    // the kernel's copy-up does; 12 -> 14 for the chmod and the rename of a lower file
    assertThat(chmod).isLessThanOrEqualTo(14 + 1);
    assertThat(chmodUpper).isLessThanOrEqualTo(3);
    assertThat(unlinkLower).isLessThanOrEqualTo(3 + 1); // (+1: the metacopy check of its first lookup)
    assertThat(unlinkUpper).isLessThanOrEqualTo(2);
    assertThat(rmdirLower).isLessThanOrEqualTo(8);
    assertThat(rmdirUpper).isLessThanOrEqualTo(3);
    assertThat(renameLower).isLessThanOrEqualTo(17 + 1);
    assertThat(renameUpper).isLessThanOrEqualTo(2);
    assertThat(tar).isLessThanOrEqualTo(TAR_BOUND);
  }
}
