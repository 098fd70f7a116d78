package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.run.NamespaceCommand.ResolvedBind;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NamespaceCommandTest {
  private static final HostTools TOOLS =
      new HostTools(
          Path.of("/usr/bin/unshare"), Path.of("/usr/bin/setpriv"), Path.of("/usr/bin/env"), Path.of("/bin/sh"),
          Optional.of(Path.of("/usr/bin/newuidmap")), Optional.of(Path.of("/usr/bin/newgidmap")));
  private static final String PASSWD = "root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n";
  private static final String GROUP = "staff:x:50:user\n";

  private static RunPlan plan(IdMapping m, String user) throws RunException {
    RunOptions o =
        new RunOptions(List.of("/bin/id", "-u"), List.of("A=1"), "/w", user, List.of(), true, false, false, "h");
    return RunPlan.of(Path.of("/r"), ImageDefaults.NONE, o, PASSWD, GROUP, m, Map.of());
  }

  @Test
  void argv_withRanges_mapsThemAndSwitchesUser() throws Exception {
    IdMapping m =
        IdMapping.withRanges(1001, 1001, new SubIds.Range(100000, 65536), new SubIds.Range(100000, 65536));
    List<ResolvedBind> binds = List.of(new ResolvedBind(Path.of("/data"), Path.of("/r/mnt"), true));
    List<String> a = NamespaceCommand.argv(plan(m, "user"), TOOLS, binds);
    assertThat(a.subList(0, 7))
        .containsExactly(
            "/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/usr/bin/unshare", "--user", "--map-root-user");
    assertThat(a).contains("--map-users=100000,1,65536", "--map-groups=100000,1,65536", "--kill-child=KILL");
    int init = a.indexOf("lamina-init");
    assertThat(a.get(init - 2)).isEqualTo("-c");
    assertThat(a.get(init - 1)).contains("mount -t proc").doesNotContain("# lamina-init");
    assertThat(a.subList(init + 1, a.size()))
        .containsExactly(
            "/r", "h", "1", "1", "/data", "/r/mnt", "ro", "--",
            "/usr/bin/env", "--default-signal", "-i",
            "PATH=" + RunPlan.DEFAULT_PATH, "HOSTNAME=h", "A=1", "HOME=/home/user",
            "/usr/bin/setpriv", "--regid=1000", "--groups=50", "--",
            "/usr/bin/unshare", "--root=/r", "--wd=/w", "--setuid=1000", "--", "/bin/id", "-u");
  }

  @Test
  void argv_rootOnly_neitherMapsRangesNorSwitchesUser() throws Exception {
    List<String> a = NamespaceCommand.argv(plan(IdMapping.rootOnly(1001, 1001), null), TOOLS, List.of());
    assertThat(a).noneMatch(s -> s.startsWith("--map-users") || s.startsWith("--setuid") || s.startsWith("--regid"));
    assertThat(a.subList(a.size() - 6, a.size()))
        .containsExactly("/usr/bin/unshare", "--root=/r", "--wd=/w", "--", "/bin/id", "-u");
  }

  /** As real root the whole id range is mapped by lamina itself (no newuidmap, no /etc/subuid needed). */
  @Test
  void argv_hostIdentity_waitsForTheMapThenSwitchesUser() throws Exception {
    List<String> a = NamespaceCommand.argv(plan(IdMapping.hostIdentity(), "user"), TOOLS, List.of(),
        Path.of("/tmp/x/mapped"));
    assertThat(a.subList(0, 7))
        .containsExactly("/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/usr/bin/unshare", "--user", "--");
    assertThat(a).noneMatch(s -> s.startsWith("--map-"));
    int wait = a.indexOf("lamina-wait-for-map");
    assertThat(a.get(wait - 1)).contains("read").contains("exec \"$@\"");
    assertThat(a.get(wait + 1)).isEqualTo("/tmp/x/mapped");
    assertThat(a.get(wait + 2)).isEqualTo("/usr/bin/unshare");
    assertThat(a.get(wait + 3)).isEqualTo("--mount");
    assertThat(a).contains("--regid=1000", "--setuid=1000");
  }
}
