package dev.lamina.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerUserTest {
  private static final String PASSWD =
      "root:x:0:0:root:/root:/bin/sh\n"
          + "# a comment\n"
          + "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
          + "user:x:1000:1000::/home/user:/bin/sh\n"
          + "broken:x:notanumber:1::/:/bin/sh\n";
  private static final String GROUP =
      "root:x:0:\nwheel:x:10:root\nuser:x:1000:\nstaff:x:50:user,daemon\naudio:x:29:user\n";

  @Test
  void resolve_empty_isRootFromPasswd() throws Exception {
    assertThat(ContainerUser.resolve(null, PASSWD, GROUP))
        .isEqualTo(new ContainerUser(0, 0, List.of(10L), "/root"));
    assertThat(ContainerUser.resolve("", PASSWD, GROUP).home()).isEqualTo("/root");
  }

  @Test
  void resolve_empty_withoutPasswd_isRootWithSlashHome() throws Exception {
    assertThat(ContainerUser.resolve(null, null, null)).isEqualTo(new ContainerUser(0, 0, List.of(), "/"));
  }

  @Test
  void resolve_name_getsGidHomeAndSupplementaryGroups() throws Exception {
    assertThat(ContainerUser.resolve("user", PASSWD, GROUP))
        .isEqualTo(new ContainerUser(1000, 1000, List.of(50L, 29L), "/home/user"));
  }

  @Test
  void resolve_numericKnown_isLikeName() throws Exception {
    assertThat(ContainerUser.resolve("1000", PASSWD, GROUP).groups()).containsExactly(50L, 29L);
  }

  @Test
  void resolve_numericUnknown_usesGidZero() throws Exception {
    assertThat(ContainerUser.resolve("4242", PASSWD, GROUP))
        .isEqualTo(new ContainerUser(4242, 0, List.of(), "/"));
  }

  @Test
  void resolve_unknownName_isAnError() {
    assertThatThrownBy(() -> ContainerUser.resolve("nosuch", PASSWD, GROUP))
        .isInstanceOf(RunException.class)
        .hasMessageContaining("nosuch")
        .hasMessageContaining("/etc/passwd");
  }

  @Test
  void resolve_explicitGroup_byNameOrNumber_noSupplementaryGroups() throws Exception {
    assertThat(ContainerUser.resolve("user:staff", PASSWD, GROUP))
        .isEqualTo(new ContainerUser(1000, 50, List.of(), "/home/user"));
    assertThat(ContainerUser.resolve("1000:77", PASSWD, GROUP))
        .isEqualTo(new ContainerUser(1000, 77, List.of(), "/home/user"));
    assertThat(ContainerUser.resolve("4242:29", PASSWD, GROUP))
        .isEqualTo(new ContainerUser(4242, 29, List.of(), "/"));
  }

  @Test
  void resolve_unknownGroupName_isAnError() {
    assertThatThrownBy(() -> ContainerUser.resolve("user:nogroup", PASSWD, GROUP))
        .hasMessageContaining("nogroup")
        .hasMessageContaining("/etc/group");
  }
}
