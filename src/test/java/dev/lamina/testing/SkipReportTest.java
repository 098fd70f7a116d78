package dev.lamina.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lamina.testing.SkipReport.Skip;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class SkipReportTest {
  @Test
  void reasonsAreSortedIntoWhatTheTestsNeed() {
    assertThat(SkipReport.category("chown needs root")).isEqualTo("root");
    assertThat(SkipReport.category("trusted.* xattrs need CAP_SYS_ADMIN")).isEqualTo("root");
    assertThat(SkipReport.category("/dev/fuse is missing")).isEqualTo("FUSE");
    assertThat(SkipReport.category("needs a UTF-8 locale (the JVM's default charset is US-ASCII)")).isEqualTo("locale");
    assertThat(SkipReport.category("podman is not installed")).isEqualTo("tool");
    assertThat(SkipReport.category("needs python3 (not on PATH)")).isEqualTo("tool");
    assertThat(SkipReport.category("could not build the Debian test image (is the Debian mirror reachable?)"))
        .isEqualTo("network");
    assertThat(SkipReport.category("sysfs is read-only here (a container)")).isEqualTo("other");
    assertThat(SkipReport.category("rootless mode")).as("root only as a word").isNotEqualTo("root");
    assertThat(SkipReport.category("buildah cannot make an overlay store here: buildah --root /tmp/s pull failed"))
        .as("an option named root").isEqualTo("tool");
  }

  @Test
  void theSummaryCountsTestsByNeedAndByReason() {
    String s = SkipReport.summary(List.of(
        new Skip("A.x()", "chown needs root", 1),
        new Skip("B", "chown needs root", 3),
        new Skip("C.y()", "podman is not installed", 1)));
    assertThat(s).startsWith("[SKIPPED] 5 tests skipped (4 need root, 1 need a tool), by reason:")
        .contains("    4  chown needs root\n       (A.x(), B)")
        .contains("    1  podman is not installed\n       (C.y())");
    assertThat(s.indexOf("chown")).as("the most frequent reason first").isLessThan(s.indexOf("podman"));
    assertThat(SkipReport.summary(List.of())).isEqualTo("[SKIPPED] no test skipped");
  }

  @Test
  void anAssumptionsMessageIsItsReasonOnOneLine() {
    assertThat(SkipReport.reasonOf(new TestAbortedException("Assumption failed: needs root")))
        .isEqualTo("needs root");
    assertThat(SkipReport.oneLine("podman cannot run here:\n  Error: x\tmore")).isEqualTo("podman cannot run here: Error: x more");
  }
}
