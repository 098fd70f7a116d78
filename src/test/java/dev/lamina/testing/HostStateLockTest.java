package dev.lamina.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A second process (another test run) waits for the host-state lock this one holds, and gets it after. */
class HostStateLockTest {

  @Test
  @Timeout(120)
  void aSecondRunWaitsUntilTheFirstReleases() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "the host-state lock is taken only as root");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    HostStateLock.acquire("this test");
    Process child;
    BufferedReader out;
    try {
      child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
          HostStateLock.class.getName())).redirectErrorStream(true).start();
      out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      // the child cannot get the lock while this JVM holds it: its first line says it waits, whatever the timing
      String first = out.readLine();
      assertThat(first).contains("child waits for another lamina test run").contains(HostStateLock.LOCK_FILE)
          .contains("held by pid " + ProcessHandle.current().pid());
    } finally {
      HostStateLock.release();
    }
    assertThat(out.readLine()).isEqualTo("[host-state] child goes on");
    assertThat(out.readLine()).isEqualTo("acquired");
    child.getOutputStream().close();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isZero();
  }
}
