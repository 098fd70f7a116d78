package dev.lamina.difftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lamina.conformance.FsDriver;
import dev.lamina.conformance.FuseOverlay;
import dev.lamina.conformance.OverlayTarget;
import dev.lamina.conformance.Scenario;
import dev.lamina.conformance.Shell;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kill -9 of the lamina process in the middle of copy-ups and writes of large files, then a remount over
 * the same upper and work dirs: every file must show either its old (lower) content or its complete new
 * content, nothing left in the work dir may show through, and the lower layer must be byte-for-byte
 * unchanged. Copy-ups are triggered by an O_APPEND write of one byte and by chmod, so "complete" is
 * exactly known; new files are written under a temporary name and renamed, so they are atomic too.
 */
class CrashRecoveryIT {

  private static final Logger log = LoggerFactory.getLogger(CrashRecoveryIT.class);
  private static final int FILES = 6;
  private static final int SIZE = 48 << 20;

  /** Appends "X" to big0, big2, ... and chmods big1, big3, ...; writes new0.. via rename. */
  private static final String WORKLOAD = String.join("\n",
      "import os, sys",
      "os.chdir(sys.argv[1])",
      "for i in range(" + FILES + "):",
      "    print('start', i, flush=True)",
      "    if i % 2 == 0:",
      "        fd = os.open('big%d' % i, os.O_WRONLY | os.O_APPEND); os.write(fd, b'X'); os.close(fd)",
      "    else:",
      "        os.chmod('big%d' % i, 0o600)",
      "    fd = os.open('tmp%d' % i, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)",
      "    block = bytes([65 + i]) * (1 << 20)",
      "    for _ in range(8): os.write(fd, block)",
      "    os.close(fd); os.rename('tmp%d' % i, 'new%d' % i)",
      "    print('done', i, flush=True)",
      "");

  @Test
  @Timeout(600)
  void killDuringCopyUpLeavesNoPartialFile() throws Exception {
    assumeTrue(Shell.isRoot(), "runs lamina as root over /tmp layers");
    FuseOverlay lamina = System.getProperty("difftest.crash.target", "lamina").equals("fuse-overlayfs")
        ? FuseOverlay.fuseOverlayfs() : FuseOverlay.lamina();
    String why = lamina.unavailableReason();
    assumeTrue(why == null, () -> "lamina cannot mount here: " + why);

    Path dir = Files.createTempDirectory(Path.of("/tmp"), "diff-crash-");
    Path lower = dir.resolve("lower");
    Path upper = dir.resolve("upper");
    Path work = dir.resolve("work");
    Path mnt = dir.resolve("mnt");
    try {
      Scenario.Builder b = Scenario.named("crash-lower", "");
      for (int i = 0; i < FILES; i++) {
        b.op("create", "big" + i, Map.of("pattern", SIZE, "seed", i));
      }
      Files.createDirectories(lower);
      FsDriver.run(lower, b.build().steps(), false, null);
      for (Path p : List.of(upper, work, mnt)) {
        Files.createDirectories(p);
      }
      JsonNode lowerBefore = FsDriver.run(lower, List.of(), true, null).tree();
      Map<String, Set<String>> allowed = new TreeMap<>();
      for (int i = 0; i < FILES; i++) {
        byte[] old = Files.readAllBytes(lower.resolve("big" + i));
        String oldSha = sha(old);
        Set<String> ok = new TreeSet<>(List.of(oldSha + " 0644"));
        if (i % 2 == 0) {
          byte[] appended = java.util.Arrays.copyOf(old, old.length + 1);
          appended[old.length] = 'X';
          ok.add(sha(appended) + " 0644");
        } else {
          ok.add(oldSha + " 0600");
        }
        allowed.put("big" + i, ok);
        byte[] fresh = new byte[8 << 20];
        java.util.Arrays.fill(fresh, (byte) (65 + i));
        allowed.put("new" + i, Set.of(sha(fresh) + " 0644"));
      }

      int round = 0;
      for (long delayMs : new long[] {150, 600}) {
        round++;
        // each round starts from an empty upper dir, so the allowed states stay those of one workload
        Shell.check("rm", "-rf", upper.toString(), work.toString());
        Files.createDirectories(upper);
        Files.createDirectories(work);
        Process fs = startForeground(lamina, lower, upper, work, mnt, dir.resolve("fs" + round + ".log"));
        Process writer = new ProcessBuilder(FsDriver.python(), "-c", WORKLOAD, mnt.toString())
            .redirectErrorStream(true).start();
        BufferedReader progress = new BufferedReader(
            new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
        String line;
        List<String> seen = new ArrayList<>();
        // let the first file finish, then kill while the following copy-ups and writes run
        while ((line = progress.readLine()) != null) {
          seen.add(line);
          if (line.startsWith("start") && !line.equals("start 0")) {
            break;
          }
        }
        Thread.sleep(delayMs);
        fs.destroyForcibly(); // SIGKILL: no chance to clean up
        fs.waitFor();
        writer.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        writer.destroyForcibly();
        log.info("round {}: killed {} {} ms after {}; work dir then held {}", round, lamina.name(), delayMs, seen,
            listRecursive(work));
        Shell.run(Duration.ofSeconds(30), null, List.of("fusermount3", "-u", "-z", mnt.toString()));
        if (FuseOverlay.isMounted(mnt)) {
          Shell.check("umount", "-l", mnt.toString());
        }

        try (OverlayTarget.Mounted m = lamina.mount(List.of(lower), upper, work, mnt)) {
          JsonNode tree = FsDriver.run(mnt, List.of(), true, null).tree();
          for (var e : (Iterable<Map.Entry<String, JsonNode>>) tree::fields) {
            if (e.getKey().equals("/")) {
              continue;
            }
            String name = e.getKey().substring(1);
            if (name.startsWith("tmp")) {
              continue; // the workload's own temp file: partially written by design, renamed when done
            }
            assertThat(allowed).as("round %d: an entry that no operation created is visible "
                + "(work-dir leftover?): %s", round, name).containsKey(name);
            String state = contentSha(mnt.resolve(name)) + " " + e.getValue().get("mode").asText();
            assertThat(allowed.get(name)).as("round %d: %s is neither its old nor its complete new "
                + "content/mode", round, name).contains(state);
          }
          for (int i = 0; i < FILES; i++) {
            assertThat(tree.has("/big" + i)).as("round %d: big%d vanished", round, i).isTrue();
          }
        }
        JsonNode lowerAfter = FsDriver.run(lower, List.of(), true, null).tree();
        assertThat(lowerAfter).as("round %d: lower layer changed", round).isEqualTo(lowerBefore);
      }
    } finally {
      FuseOverlay.forceUnmount(mnt);
      Shell.run("rm", "-rf", dir.toString());
    }
  }

  /** Starts {@code lamina mount -f} as a child we can SIGKILL, and waits until the mount is live. */
  private static Process startForeground(FuseOverlay target, Path lower, Path upper, Path work,
      Path mnt, Path logFile) throws IOException, InterruptedException {
    List<String> cmd = target.foregroundCommand(List.of(lower), upper, work, mnt);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(logFile.toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!FuseOverlay.isMounted(mnt)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not come up (alive=" + p.isAlive()
            + "):\n" + Files.readString(logFile));
      }
      Thread.sleep(50);
    }
    return p;
  }

  private static List<String> listRecursive(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      return s.map(p -> dir.relativize(p).toString()).filter(x -> !x.isEmpty()).sorted().toList();
    }
  }

  private static String contentSha(Path p) throws IOException {
    return sha(Files.readAllBytes(p));
  }

  private static String sha(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
