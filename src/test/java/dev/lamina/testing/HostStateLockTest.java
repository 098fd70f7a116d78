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
import org.junit.jupiter.api.io.TempDir;

/** A second process (another test run) waits for the host-state lock this one holds, and gets it after. */
class HostStateLockTest {

  /**
   * Run in a JVM of its own on a private lock file, so that another test run holding the machine's lock (its
   * host-state classes take minutes) cannot make this test wait.
   */
  @Test
  @Timeout(120)
  void aSecondRunWaitsUntilTheFirstReleases(@TempDir Path tmp) throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "the host-state lock is taken only as root");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path lock = tmp.resolve("host.lock");
    List<String> jvm = List.of(java, "-Dlamina.tests.hostlock=" + lock, "-cp", System.getProperty("java.class.path"),
        HostStateLock.class.getName());
    Process first = new ProcessBuilder(jvm).redirectErrorStream(true).start();
    BufferedReader firstOut = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
    assertThat(firstOut.readLine()).isEqualTo("acquired");
    long firstPid = first.pid();
    Process child;
    BufferedReader out;
    try {
      child = new ProcessBuilder(jvm).redirectErrorStream(true).start();
      out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      // the child cannot get the lock while this JVM holds it: its first line says it waits, whatever the timing
      String line = out.readLine();
      assertThat(line).contains("child waits for another lamina test run").contains(lock.toString())
          .contains("held by pid " + firstPid);
    } finally {
      first.getOutputStream().close(); // the first run releases
      first.waitFor(60, TimeUnit.SECONDS);
    }
    assertThat(out.readLine()).isEqualTo("[host-state] child goes on");
    assertThat(out.readLine()).isEqualTo("acquired");
    child.getOutputStream().close();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isZero();
  }
}
