package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of fuse-overlayfs style mount options. */
class MountOptionsTest {
  private static final Path CWD = Path.of("/work/here");

  private static MountOptions parse(String... opts) {
    return MountOptions.parse(List.of(opts), null, CWD);
  }

  @Test
  void parse_lowerdirs_leftmostIsTopAndRelativeResolved() {
    MountOptions o = parse("lowerdir=/a:b:../c,upperdir=u,workdir=/w");
    assertThat(o.lowerDirs())
        .containsExactly(Path.of("/a"), Path.of("/work/here/b"), Path.of("/work/c"));
    assertThat(o.upperDir()).isEqualTo(Path.of("/work/here/u"));
    assertThat(o.workDir()).isEqualTo(Path.of("/w"));
    assertThat(o.readOnly()).isFalse();
  }

  @Test
  void parse_escapedColonAndComma_stayInPaths() {
    MountOptions o = parse("lowerdir=/x\\:y:/z,upperdir=/u\\,v,workdir=/w");
    assertThat(o.lowerDirs()).containsExactly(Path.of("/x:y"), Path.of("/z"));
    assertThat(o.upperDir()).isEqualTo(Path.of("/u,v"));
  }

  @Test
  void parse_withoutUpperdir_isReadOnly() {
    assertThat(parse("lowerdir=/a").readOnly()).isTrue();
    assertThat(parse("lowerdir=/a,upperdir=/u,workdir=/w,ro").readOnly()).isTrue();
  }

  @Test
  void parse_kernelFlagsGoToTheMount_otherKernelAndUnknownOptionsAreIgnored() {
    MountOptions o = parse("rw,dev,suid,noatime,relatime,lowerdir=/a", "nodiratime,_netdev,frobnicate=3");
    assertThat(o.libfuse()).containsExactly("dev", "suid", "noatime");
    assertThat(o.ignored()).containsExactly("rw", "_netdev", "frobnicate=3");
    // the atime options, in order, for the overlay core (union.Atime)
    assertThat(o.overlay()).containsEntry(MountOptions.ATIME, "noatime,relatime,nodiratime");
  }

  @Test
  void parse_libfuseOptions_passThrough_andFsnameSubtypeKept() {
    MountOptions o =
        parse("lowerdir=/a,allow_other,entry_timeout=0,nosuid,fsname=img\\,1,subtype=ovl");
    assertThat(o.libfuse()).containsExactly("allow_other", "entry_timeout=0", "nosuid");
    assertThat(o.fsname()).isEqualTo("img,1");
    assertThat(o.fstype()).isEqualTo("fuse.ovl");
  }

  @Test
  void parse_laterOptionStringsWin() {
    MountOptions o = parse("lowerdir=/a", "lowerdir=/b");
    assertThat(o.lowerDirs()).containsExactly(Path.of("/b"));
  }

  @Test
  void parse_sourceIsDefaultFsname() {
    assertThat(MountOptions.parse(List.of("lowerdir=/a"), "overlay", CWD).fsname())
        .isEqualTo("overlay");
    assertThat(parse("lowerdir=/a").fsname()).isEqualTo("lamina");
  }

  @Test
  void parse_overlayOptions_areKeptForTheCore() {
    MountOptions o = parse("lowerdir=/a,uidmapping=0:1000:1,gidmapping=0:1000:1,whiteout=wh");
    assertThat(o.overlay()).containsEntry("uidmapping", "0:1000:1").containsEntry("gidmapping", "0:1000:1");
    assertThat(o.whiteout()).isEqualTo("wh");
  }

  @Test
  void parse_errors_sayWhatToDo() {
    assertThatThrownBy(() -> parse("upperdir=/u,workdir=/w"))
        .hasMessageContaining("no lowerdir");
    assertThatThrownBy(() -> parse("lowerdir=/a,upperdir=/u")).hasMessageContaining("workdir");
    assertThatThrownBy(() -> parse("lowerdir=/a,workdir=/w")).hasMessageContaining("without upperdir");
    assertThatThrownBy(() -> parse("lowerdir=/a::/b")).hasMessageContaining("empty entry");
    assertThatThrownBy(() -> parse("lowerdir")).hasMessageContaining("needs a value");
    assertThatThrownBy(() -> parse("lowerdir=/a,whiteout=xyz")).hasMessageContaining("whiteout=");
  }

  @Test
  void fuseArgs_readOnlyAddsRo_rootAddsAllowOther_userOptionsLast() {
    MountOptions o = parse("lowerdir=/a,entry_timeout=0");
    List<String> opts = FuseArgs.options(o, true);
    assertThat(opts).contains("ro", "allow_other", "use_ino", "hard_remove", "default_permissions");
    assertThat(opts.get(opts.size() - 1)).isEqualTo("entry_timeout=0");
    assertThat(FuseArgs.options(o, false)).doesNotContain("allow_other");
    assertThat(FuseArgs.argv(o, false, false)).doesNotContain("-s"); // multithreaded by default
  }

  @Test
  void fuseArgs_singleThreadSelectsDashS_andIsNotPassedToLibfuse() {
    MountOptions o = parse("lowerdir=/a,single_thread");
    assertThat(FuseArgs.argv(o, false, false)).contains("-s");
    assertThat(FuseArgs.options(o, false)).doesNotContain("single_thread");
  }
}
