package dev.lamina.daemon;

import java.util.List;

/**
 * Which process serves a background mount: {@code -o daemon=shared} hands it to the user's shared daemon,
 * {@code -o daemon=private} starts a JVM of its own for it (one process per mount, as before the daemon). Without
 * the option, {@code LAMINA_DAEMON} (shared or private) decides, then {@link #DEFAULT}.
 */
public final class DaemonMode {
  public static final String SHARED = "shared";
  public static final String PRIVATE = "private";
  public static final String DEFAULT = SHARED;

  private DaemonMode() {}

  /** Whether the mount command's raw arguments (or options) ask for the shared daemon. */
  public static boolean shared(List<String> args) {
    String mode = null;
    for (String a : args) {
      for (String opt : a.split(",")) {
        if (opt.startsWith("daemon=")) {
          mode = opt.substring("daemon=".length()); // the last one wins, as for every mount option
        }
      }
    }
    if (mode == null) {
      String env = System.getenv("LAMINA_DAEMON");
      mode = env == null || env.isEmpty() ? DEFAULT : env;
    }
    return check(mode).equals(SHARED);
  }

  /** The mode, or an error naming the two accepted values. */
  public static String check(String mode) {
    if (!mode.equals(SHARED) && !mode.equals(PRIVATE)) {
      throw new IllegalArgumentException("daemon=" + mode + " is not a daemon mode: use daemon=shared (one daemon"
          + " per user serves every mount) or daemon=private (a process of its own for this mount)");
    }
    return mode;
  }
}
