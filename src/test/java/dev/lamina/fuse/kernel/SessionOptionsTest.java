package dev.lamina.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lamina.fuse.kernel.Reply.Timeout;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionOptionsTest {
  private static final List<String> OPTS =
      List.of(
          "fsname=lamina", "subtype=lamina", "use_ino", "hard_remove", "default_permissions",
          "atomic_o_trunc", "big_writes", "max_write=131072", "entry_timeout=1", "attr_timeout=2.5",
          "negative_timeout=0", "nonempty", "allow_other", "ro", "max_threads=3");

  @Test
  void onlyMountOptionsReachLibfusesMount() {
    assertThat(SessionOptions.mountOptions(OPTS))
        .containsExactly(
            "fsname=lamina", "subtype=lamina", "default_permissions", "nonempty", "allow_other", "ro");
  }

  @Test
  void timeoutsAndThreadsTuneTheSession() {
    SessionOptions o = SessionOptions.parse(OPTS, false);
    assertThat(o.entry()).isEqualTo(new Timeout(1, 0));
    assertThat(o.attr()).isEqualTo(new Timeout(2, 500_000_000));
    assertThat(o.negative()).isEqualTo(new Timeout(0, 0));
    assertThat(o.threads()).isEqualTo(3);
    assertThat(o.directIo()).isFalse();
    assertThat(SessionOptions.parse(List.of("single_thread", "direct_io"), false))
        .satisfies(s -> assertThat(s.threads()).isEqualTo(1))
        .satisfies(s -> assertThat(s.directIo()).isTrue());
    assertThat(SessionOptions.parse(List.of(), false).threads()).isEqualTo(SessionOptions.DEFAULT_THREADS);
    assertThat(SessionOptions.parse(List.of(), false).readdirPlus()).isEqualTo("always");
    assertThat(SessionOptions.parse(List.of(), false).minThreads()).isEqualTo(2);
    assertThat(SessionOptions.parse(List.of("min_threads=8", "max_threads=4"), false).minThreads()).isEqualTo(4);
    assertThat(SessionOptions.parse(List.of("readdirplus=auto"), false).readdirPlus()).isEqualTo("auto");
    assertThatThrownBy(() -> SessionOptions.parse(List.of("readdirplus=sometimes"), false))
        .hasMessageContaining("readdirplus=sometimes");
  }

  @Test
  void passthroughAndReadaheadHaveDefaultsAndOptions() {
    SessionOptions d = SessionOptions.parse(List.of(), false);
    assertThat(d.passthrough()).isTrue();
    assertThat(d.readaheadKib()).isEqualTo(1020);
    SessionOptions o = SessionOptions.parse(List.of("passthrough=never", "readahead_kb=0"), false);
    assertThat(o.passthrough()).isFalse();
    assertThat(o.readaheadKib()).isZero();
    assertThatThrownBy(() -> SessionOptions.parse(List.of("passthrough=yes"), false)).hasMessageContaining("passthrough=yes");
    assertThatThrownBy(() -> SessionOptions.parse(List.of("readahead_kb=-1"), false)).hasMessageContaining("readahead_kb=-1");
  }

  @Test
  void aBadTimeoutSaysWhich() {
    assertThatThrownBy(() -> SessionOptions.parse(List.of("attr_timeout=soon"), false))
        .hasMessageContaining("attr_timeout=soon");
  }
}
