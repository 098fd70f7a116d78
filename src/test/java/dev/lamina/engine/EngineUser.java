package dev.lamina.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An ordinary account for rootless podman and buildah: created with useradd when missing, given a subordinate
 * uid and gid range above every range /etc/subuid and /etc/subgid already hold (podman's user namespace needs
 * one), and removed with its ranges by {@link #close()} if this object created it. <b>/dev/fuse is set to mode
 * 0666 while the user exists when it is not already</b> (a fresh machine has it 0600, and rootless podman and
 * buildah mount through fusermount3 as this user); {@link #close()} restores the mode it found.
 */
final class EngineUser implements AutoCloseable {
  static final String NAME = "lamina-engines";
  private static final int RANGE = 65536;

  private static final String DEV_FUSE = "/dev/fuse";

  private final boolean created;
  /** The mode /dev/fuse had when this object opened it to everyone, null when it was already 0666. */
  private final String fuseMode;
  final int uid;
  final int gid;

  private EngineUser(boolean created, String fuseMode, int uid, int gid) {
    this.created = created;
    this.fuseMode = fuseMode;
    this.uid = uid;
    this.gid = gid;
  }

  static EngineUser ensure() throws IOException {
    boolean created = false;
    if (!Run.run("id", "-u", NAME).ok()) {
      Run.run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NAME).check();
      created = true;
    }
    if (!hasRange(Path.of("/etc/subuid")) || !hasRange(Path.of("/etc/subgid"))) {
      long start = Math.max(nextFree(Path.of("/etc/subuid")), nextFree(Path.of("/etc/subgid")));
      String range = start + "-" + (start + RANGE - 1);
      Run.run("usermod", "--add-subuids", range, "--add-subgids", range, NAME).check();
    }
    int uid = Integer.parseInt(Run.run("id", "-u", NAME).check().strip());
    int gid = Integer.parseInt(Run.run("id", "-g", NAME).check().strip());
    String mode = Run.run("stat", "-c", "%a", DEV_FUSE).check().strip();
    String fuseMode = null;
    if (!mode.equals("666")) {
      Run.run("chmod", "0666", DEV_FUSE).check();
      fuseMode = mode;
    }
    return new EngineUser(created, fuseMode, uid, gid);
  }

  private static boolean hasRange(Path file) throws IOException {
    return Files.exists(file) && Files.readAllLines(file).stream().anyMatch(l -> l.startsWith(NAME + ":"));
  }

  /** The first id above every range in the file, and at least 400000 (clear of the usual 100000 + n*65536). */
  private static long nextFree(Path file) throws IOException {
    long next = 400_000;
    if (Files.exists(file)) {
      for (String l : Files.readAllLines(file)) {
        String[] f = l.split(":");
        if (f.length == 3 && f[1].matches("\\d+") && f[2].matches("\\d+")) {
          next = Math.max(next, Long.parseLong(f[1]) + Long.parseLong(f[2]));
        }
      }
    }
    return next;
  }

  /** The prefix that runs a command as this user with exactly the given variables set. */
  List<String> prefix() {
    return List.of("runuser", "-u", NAME, "--", "env");
  }

  void own(Path dir) throws IOException {
    Run.run("chown", "-R", uid + ":" + gid, dir.toString()).check();
  }

  @Override
  public void close() throws IOException {
    if (fuseMode != null) {
      Run.run("chmod", fuseMode, DEV_FUSE).check();
    }
    if (!created) {
      return;
    }
    // a daemon that is still exiting keeps the user busy for a moment (each store ends its pause process)
    Run.Result r = Run.run("userdel", NAME);
    for (int i = 0; i < 20 && !r.ok(); i++) {
      sleep(500);
      r = Run.run("userdel", NAME);
    }
    if (!r.ok()) {
      throw new IOException("userdel " + NAME + " failed: " + r.err().strip());
    }
    // userdel keeps the subordinate ranges on some versions
    for (String f : List.of("/etc/subuid", "/etc/subgid")) {
      Path p = Path.of(f);
      if (Files.exists(p)) {
        List<String> keep = Files.readAllLines(p).stream().filter(l -> !l.startsWith(NAME + ":")).toList();
        Files.write(p, keep);
      }
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
