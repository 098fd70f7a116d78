package dev.lamina.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.union.OverlayConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The options podman, buildah and CRI-O pass to a {@code mount_program} (containers/storage's overlay driver),
 * fuse-overlayfs's own options, the mount flags lamina sets by default, and how bad values are refused.
 */
class MountProgramOptionsTest {
  private static final Path CWD = Path.of("/var/lib/containers/storage/overlay");

  private static MountOptions parse(String... opts) {
    return MountOptions.parse(List.of(opts), null, CWD);
  }

  @Test
  void containersStorageInvocation_withTrailingCommaAndMappings_parses() {
    // As containers/storage writes it: lowers, upper, work, its mountopt, then the id mappings.
    MountOptions o =
        parse("lowerdir=l/AAA:l/BBB,upperdir=/s/c1/diff,workdir=/s/c1/work,nodev,"
            + "uidmapping=0:100000:65536,gidmapping=0:100000:65536,");
    assertThat(o.lowerDirs()).containsExactly(CWD.resolve("l/AAA"), CWD.resolve("l/BBB"));
    assertThat(o.upperDir()).isEqualTo(Path.of("/s/c1/diff"));
    assertThat(o.libfuse()).containsExactly("nodev");
    assertThat(o.overlay())
        .containsEntry("uidmapping", "0:100000:65536")
        .containsEntry("gidmapping", "0:100000:65536");
    assertThat(o.ignored()).isEmpty();
  }

  @Test
  void fuseOverlayfsOptions_withoutVisibleEffect_areAccepted() {
    MountOptions o =
        parse("lowerdir=/a,static_nlink,noacl,volatile,fsync=0,fast_ino=1,writeback=0,threaded=1,xino=auto,"
            + "noxattrs=0,redirect_dir=off,metacopy=off,plugins=,userxattr,index=off,nfs_export=off");
    assertThat(o.ignored())
        .contains("static_nlink", "noacl", "volatile", "fsync=0", "userxattr");
    assertThat(o.libfuse()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"redirect_dir=on,ON", "redirect_dir=off,FOLLOW", "redirect_dir=follow,FOLLOW",
      "redirect_dir=nofollow,NOFOLLOW"})
  void redirectDir_goesToTheCore(String opt, String mode) {
    MountOptions o = parse("lowerdir=/a," + opt);
    assertThat(o.overlay()).containsEntry("redirect_dir", opt.substring(opt.indexOf('=') + 1));
    assertThat(Unions.config(o, java.util.Map.of()).redirectDir().name()).isEqualTo(mode);
  }

  @Test
  void redirectDir_defaultsToFollow() {
    assertThat(Unions.config(parse("lowerdir=/a"), java.util.Map.of()).redirectDir().name()).isEqualTo("FOLLOW");
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"xino=on", "xino=off", "xino=auto"})
  void xino_everyKernelValueIsAccepted(String opt) {
    assertThat(parse("lowerdir=/a," + opt).overlay()).doesNotContainKey("xino"); // accepted, read by no one
  }

  @Test
  void metacopyOn_goesToTheCore_andTurnsRedirectDirOn_asOnTheKernel() {
    var c = Unions.config(parse("lowerdir=/a,metacopy=on"), java.util.Map.of());
    assertThat(c.metacopy()).isTrue();
    assertThat(c.redirectDir().name()).isEqualTo("ON");
    assertThat(Unions.config(parse("lowerdir=/a,metacopy=off"), java.util.Map.of()).metacopy()).isFalse();
    assertThat(Unions.config(parse("lowerdir=/a"), java.util.Map.of()).metacopy()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"redirect_dir=off", "redirect_dir=follow", "redirect_dir=nofollow"})
  void metacopyOn_withAnotherRedirectDir_isRefused_asTheKernelRefusesConflictingOptions(String opt) {
    assertThatThrownBy(() -> Unions.config(parse("lowerdir=/a,metacopy=on," + opt), java.util.Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metacopy=on needs redirect_dir=on");
  }

  @Test
  void timeout_setsEntryAndAttributeTimeouts() {
    assertThat(parse("lowerdir=/a,timeout=2.5").libfuse()).containsExactly("entry_timeout=2.5", "attr_timeout=2.5");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "xattr_permissions=1|security.containers.override_stat",
        "noxattrs=1|extended attributes",
        "redirect_dir=yes|redirect_dir=on, off, follow or nofollow",
        "metacopy=yes|metacopy=on or off",
        "ino32_t|64-bit",
        "plugins=/usr/libexec/fuse-overlayfs/stargz.so|plugins",
        "index=yes|index=on or off",
        "nfs_export=on|nfs_export=off",
        "xino=yes|on, off or auto",
        "squash_to_root=1|takes no value"
      })
  void optionsThatChangeSemanticsLaminaLacks_areRefusedWithTheReason(String opt, String reason) {
    assertThatThrownBy(() -> parse("lowerdir=/a," + opt))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(opt.split("=")[0])
        .hasMessageContaining(reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "max_threads=abc|a whole number from 1 to 4096",
        "max_threads=0|a whole number from 1 to 4096",
        "max_threads=4097|a whole number from 1 to 4096",
        "min_threads=-1|a whole number from 1 to 4096",
        "readahead_kb=lots|a whole number from 0 to 1048576",
        "max_write=12k|a whole number from 4096",
        "max_background=0|a whole number from 1 to 65535",
        "uid=-5|a whole number from 0 to 4294967294",
        "squash_to_uid=root|a whole number from 0 to 4294967294",
        "squash_to_gid=4294967295|a whole number from 0 to 4294967294",
        "xattr_permissions=3|a whole number from 0 to 2",
        "fsync=yes|a whole number from 0 to 1",
        "entry_timeout=-1|a number of seconds from 0",
        "attr_timeout=NaN|a number of seconds from 0",
        "negative_timeout=|a number of seconds from 0",
        "timeout=soon|a number of seconds from 0",
        "umask=999|an octal mode from 0 to 0777",
        "max_threads=99999999999999999999|a whole number from 1 to 4096"
      })
  void badNumbers_nameTheOptionTheValueAndTheRange(String opt, String range) {
    assertThatThrownBy(() -> parse("lowerdir=/a," + opt))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad mount option " + opt + ":")
        .hasMessageContaining(range);
  }

  @Test
  void badNumber_exitsWithTheUsageErrorCode_asAnUnknownFlagDoes() {
    int badNumber = dev.lamina.cli.Main.run("mount", "-o", "lowerdir=/,max_threads=abc", "/");
    int unknownFlag = dev.lamina.cli.Main.run("mount", "--no-such-flag", "/");
    assertThat(badNumber).isEqualTo(2).isEqualTo(unknownFlag);
  }

  @Test
  void goodNumbers_pass() {
    MountOptions o =
        parse("lowerdir=/a,max_threads=1,min_threads=4096,readahead_kb=0,entry_timeout=0.5,umask=022,"
            + "squash_to_uid=4294967294,fsync=1");
    assertThat(o.libfuse()).contains("max_threads=1", "min_threads=4096", "readahead_kb=0", "umask=022");
  }

  @Test
  void mountFlags_asRootFollowFuseOverlayfs_suidNodevNoatime_andTheUsersWin() {
    MountOptions o = parse("lowerdir=/a,upperdir=/u,workdir=/w,nosuid,dev");
    List<String> root = FuseArgs.options(o, true);
    assertThat(root).contains("suid", "nodev", "noatime");
    // later options win in libfuse's parser: the user's nosuid and dev come after the defaults
    assertThat(root.lastIndexOf("nosuid")).isGreaterThan(root.indexOf("suid"));
    assertThat(root.lastIndexOf("dev")).isGreaterThan(root.indexOf("nodev"));
    List<String> user = FuseArgs.options(parse("lowerdir=/a"), false);
    assertThat(user).contains("nodev", "noatime").doesNotContain("suid");
  }

  @Test
  void squashOptions_showEveryOwnerAsTheGivenId() {
    OverlayConfig c = Unions.config(parse("lowerdir=/a,squash_to_uid=1000,squash_to_gid=100"), Map.of());
    assertThat(c.uidMap().toPresented(0)).isEqualTo(1000);
    assertThat(c.uidMap().toPresented(12345)).isEqualTo(1000);
    assertThat(c.gidMap().toPresented(7)).isEqualTo(100);
    OverlayConfig root = Unions.config(parse("lowerdir=/a,squash_to_root"), Map.of());
    assertThat(root.uidMap().toPresented(1000)).isZero();
    assertThat(root.gidMap().toPresented(1000)).isZero();
  }

  @Test
  void xattrPermissions2_keepsOwnershipInOverrideStat_butIsRefusedAsRoot() {
    MountOptions o = parse("lowerdir=/a,upperdir=/u,workdir=/w,xattr_permissions=2");
    assertThat(Unions.config(o, Map.of()).overrideStat()).isTrue();
    Unions.validate(o, false);
    assertThatThrownBy(() -> Unions.validate(o, true)).hasMessageContaining("force_mask");
  }
}
