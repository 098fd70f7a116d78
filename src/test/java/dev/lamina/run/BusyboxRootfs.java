package dev.lamina.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A tiny root directory for run tests: the host's busybox-static as /bin/busybox with an applet symlink per
 * command, an /etc/passwd with root and user 1000, and /etc/group with a supplementary group.
 */
final class BusyboxRootfs {
  static final Path BUSYBOX = Path.of("/bin/busybox");
  private static final List<String> APPLETS =
      List.of("sh", "ls", "id", "cat", "echo", "env", "pwd", "stat", "hostname", "mount", "touch", "sleep", "ps",
          "mkdir", "rm", "chown", "chmod", "grep", "test", "true", "false", "kill", "readlink", "head", "wc", "tr", "sort");

  private BusyboxRootfs() {}

  /** Whether the host has a static busybox (package busybox-static), which runs in any root. */
  static boolean available() throws Exception {
    return Files.isExecutable(BUSYBOX)
        && TestUser.exec(List.of("sh", "-c", "ldd /bin/busybox 2>&1"), 10)
            .out()
            .matches("(?s).*(not a dynamic|statically linked).*");
  }

  static Path create(Path root) throws IOException {
    for (String d : List.of("bin", "etc", "tmp", "root", "home/user", "proc", "dev", "sys")) {
      Files.createDirectories(root.resolve(d));
    }
    Files.copy(BUSYBOX, root.resolve("bin/busybox"));
    root.resolve("bin/busybox").toFile().setExecutable(true, false);
    for (String a : APPLETS) {
      Files.createSymbolicLink(root.resolve("bin").resolve(a), Path.of("busybox"));
    }
    Files.writeString(
        root.resolve("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\nuser:x:1000:\nstaff:x:50:user\n");
    Files.writeString(root.resolve("etc/hosts"), "127.0.0.1 localhost image-hosts\n");
    root.resolve("tmp").toFile().setWritable(true, false);
    return root;
  }
}
