package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunPlanTest {
  private static final Path ROOT = Path.of("/tmp/root");
  private static final String PASSWD =
      "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n";
  private static final String GROUP = "root:x:0:\nuser:x:1000:\nstaff:x:50:user,other\n";
  private static final IdMapping RANGES =
      IdMapping.withRanges(1001, 1001, new SubIds.Range(100000, 65536), new SubIds.Range(100000, 65536));

  private static ImageDefaults image(List<String> entrypoint, List<String> cmd) {
    return new ImageDefaults(List.of("PATH=/opt/bin:/bin", "LANG=C.UTF-8"), entrypoint, cmd, "/srv", null);
  }

  private static RunOptions opts(List<String> command) {
    return new RunOptions(command, List.of(), null, null, List.of(), false, false, false, null);
  }

  private static RunPlan plan(ImageDefaults img, RunOptions o) throws RunException {
    return RunPlan.of(ROOT, img, o, PASSWD, GROUP, RANGES, Map.of("FROM_HOST", "hv"));
  }

  @Test
  void argv_entrypointPlusCmd_byDefault() throws Exception {
    RunPlan p = plan(image(List.of("/entry", "-x"), List.of("serve", "--port=1")), opts(List.of()));
    assertThat(p.argv()).containsExactly("/entry", "-x", "serve", "--port=1");
  }

  @Test
  void argv_commandReplacesCmd_keepsEntrypoint() throws Exception {
    RunPlan p = plan(image(List.of("/entry"), List.of("serve")), opts(List.of("echo", "hi")));
    assertThat(p.argv()).containsExactly("/entry", "echo", "hi");
  }

  @Test
  void argv_commandAlone_withoutEntrypoint() throws Exception {
    RunPlan p = plan(image(List.of(), List.of("/bin/sh")), opts(List.of("/bin/ls", "-l")));
    assertThat(p.argv()).containsExactly("/bin/ls", "-l");
  }

  @Test
  void argv_none_isAnError() {
    assertThatThrownBy(() -> plan(image(List.of(), List.of()), opts(List.of())))
        .isInstanceOf(RunException.class)
        .hasMessageContaining("no command");
  }

  @Test
  void env_imageEnvKept_pathFromImage_hostnameAndHome() throws Exception {
    RunPlan p = plan(image(List.of(), List.of("sh")), opts(List.of()));
    assertThat(p.envMap())
        .containsExactly(
            Map.entry("HOSTNAME", "lamina"),
            Map.entry("PATH", "/opt/bin:/bin"),
            Map.entry("LANG", "C.UTF-8"),
            Map.entry("HOME", "/root"));
  }

  @Test
  void env_defaultPath_whenImageHasNone_andTermWithTty() throws Exception {
    RunOptions o = new RunOptions(List.of("sh"), List.of(), null, null, List.of(), false, true, true, "box");
    RunPlan p = plan(ImageDefaults.NONE, o);
    assertThat(p.envMap())
        .containsEntry("PATH", RunPlan.DEFAULT_PATH)
        .containsEntry("HOSTNAME", "box")
        .containsEntry("TERM", "xterm");
    assertThat(p.hostname()).isEqualTo("box");
  }

  @Test
  void env_dashE_overridesInPlace_takesFromHost_dropsUnset() throws Exception {
    RunOptions o =
        new RunOptions(
            List.of(), List.of("LANG=fr_FR", "NEW=a=b", "FROM_HOST", "HOSTNAME", "HOME=/h"), null, null,
            List.of(), false, false, false, null);
    RunPlan p = plan(image(List.of(), List.of("sh")), o);
    assertThat(p.env())
        .containsExactly("PATH=/opt/bin:/bin", "LANG=fr_FR", "NEW=a=b", "FROM_HOST=hv", "HOME=/h");
  }

  @Test
  void env_emptyKey_isAnError() {
    RunOptions o = new RunOptions(List.of("sh"), List.of("=x"), null, null, List.of(), false, false, false, null);
    assertThatThrownBy(() -> plan(ImageDefaults.NONE, o)).hasMessageContaining("KEY=VALUE");
  }

  @Test
  void cwd_imageWorkingDir_thenDashW_thenRoot() throws Exception {
    assertThat(plan(image(List.of(), List.of("sh")), opts(List.of())).cwd()).isEqualTo("/srv");
    RunOptions o = new RunOptions(List.of("sh"), List.of(), "/tmp", null, List.of(), false, false, false, null);
    assertThat(plan(image(List.of(), List.of("sh")), o).cwd()).isEqualTo("/tmp");
    assertThat(plan(ImageDefaults.NONE, opts(List.of("sh"))).cwd()).isEqualTo("/");
    ImageDefaults relative = new ImageDefaults(null, null, List.of("sh"), "app", null);
    assertThat(plan(relative, opts(List.of())).cwd()).isEqualTo("/app");
  }

  @Test
  void cwd_relativeDashW_isAnError() {
    RunOptions o = new RunOptions(List.of("sh"), List.of(), "tmp", null, List.of(), false, false, false, null);
    assertThatThrownBy(() -> plan(ImageDefaults.NONE, o)).hasMessageContaining("absolute");
  }

  @Test
  void user_fromImage_thenDashU() throws Exception {
    ImageDefaults img = new ImageDefaults(null, null, List.of("sh"), null, "user");
    RunPlan p = plan(img, opts(List.of()));
    assertThat(p.user()).isEqualTo(new ContainerUser(1000, 1000, List.of(50L), "/home/user"));
    assertThat(p.envMap()).containsEntry("HOME", "/home/user");
    RunOptions o = new RunOptions(List.of(), List.of(), null, "0", List.of(), false, false, false, null);
    assertThat(plan(img, o).user().uid()).isZero();
  }

  @Test
  void user_unmapped_isAnError_namingTheReasonAndTheFix() {
    ImageDefaults img = new ImageDefaults(null, null, List.of("sh"), null, "user");
    assertThatThrownBy(
            () -> RunPlan.of(ROOT, img, opts(List.of()), PASSWD, GROUP, IdMapping.rootOnly(1001, 1001), Map.of()))
        .isInstanceOf(RunException.class)
        .hasMessageContaining("cannot run as the image's user 'user' (1000:1000)")
        .hasMessageContaining("only root is mapped")
        .hasMessageContaining("usermod --add-subuids")
        .hasMessageContaining("-u 0");
  }

  @Test
  void user_beyondRange_isAnError() {
    RunOptions o = new RunOptions(List.of("sh"), List.of(), null, "70000", List.of(), false, false, false, null);
    assertThatThrownBy(() -> plan(ImageDefaults.NONE, o))
        .isInstanceOf(RunException.class)
        .hasMessageContaining("cannot run as -u 70000 (70000:0)")
        .hasMessageContaining("beyond");
  }

  @Test
  void user_fuseWithoutAllowOther_isAnError_rootStillRuns() throws Exception {
    ImageDefaults img = new ImageDefaults(null, null, List.of("sh"), null, "user");
    assertThatThrownBy(() -> RunPlan.of(ROOT, img, opts(List.of()), PASSWD, GROUP, RANGES, Map.of(), true))
        .isInstanceOf(RunException.class)
        .hasMessageContaining("allow_other")
        .hasMessageContaining("user_allow_other")
        .hasMessageContaining("/etc/fuse.conf");
    RunPlan root = RunPlan.of(ROOT, ImageDefaults.NONE, opts(List.of("sh")), PASSWD, GROUP, RANGES, Map.of(), true);
    assertThat(root.user().uid()).isZero();
    assertThat(root.warnings()).isEmpty();
  }

  @Test
  void user_asRealRoot_everyIdIsMapped() throws Exception {
    RunOptions o = new RunOptions(List.of("sh"), List.of(), null, "70000:42", List.of(), false, false, false, null);
    RunPlan p = RunPlan.of(ROOT, ImageDefaults.NONE, o, PASSWD, GROUP, IdMapping.hostIdentity(), Map.of());
    assertThat(p.user()).isEqualTo(new ContainerUser(70000, 42, List.of(), "/"));
    assertThat(p.warnings()).isEmpty();
  }

  @Test
  void imageDefaults_fromImageConfig() throws Exception {
    byte[] json =
        ("{\"config\":{\"User\":\"user\",\"Env\":[\"A=1\"],\"Entrypoint\":[\"/e\"],\"Cmd\":[\"c\"],"
                + "\"WorkingDir\":\"/w\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ImageDefaults d = ImageDefaults.of(dev.lamina.image.ImageConfig.parse(json, "test config"));
    assertThat(d).isEqualTo(new ImageDefaults(List.of("A=1"), List.of("/e"), List.of("c"), "/w", "user"));
    byte[] bare = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(ImageDefaults.of(dev.lamina.image.ImageConfig.parse(bare, "bare"))).isEqualTo(ImageDefaults.NONE);
  }
}
