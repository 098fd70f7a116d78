package dev.lamina.union;

import java.util.List;

/**
 * When a read or a listing through the mount updates a file's access time: the mount options {@code relatime}
 * (the default, as on every kernel mount), {@code strictatime}, {@code noatime} and {@code nodiratime}, decided
 * as kernel overlayfs decides them. The overlay's options alone rule (the kernel clones the upper layer's mount
 * without its atime flags), the update lands on the upper file, and a file or directory only a lower layer holds
 * keeps its access time (the kernel reads lower layers through noatime mounts). {@code atime},
 * {@code norelatime}, {@code nostrictatime} and {@code diratime} undo their opposites; {@code lazytime} and
 * {@code nolazytime} are accepted and change nothing visible. Later options win.
 *
 * @param mode when a file's access time moves on a read
 * @param dirs whether a directory's access time moves on a listing (false for {@code nodiratime})
 */
public record Atime(Mode mode, boolean dirs) {
  /** The kernel's three atime modes. */
  public enum Mode {
    /** Update when the access time is not after the modification or change time, or is a day old. */
    RELATIME,
    /** Update on every access. */
    STRICTATIME,
    /** Never update. */
    NOATIME
  }

  /** The kernel default. */
  public static final Atime DEFAULT = new Atime(Mode.RELATIME, true);

  /** The mount options that concern access times. */
  public static final List<String> OPTIONS =
      List.of("atime", "noatime", "relatime", "norelatime", "strictatime", "nostrictatime", "diratime",
          "nodiratime", "lazytime", "nolazytime");

  /** Applies the atime options among {@code options} in order to the default; other options are skipped. */
  public static Atime parse(Iterable<String> options) {
    Mode mode = Mode.RELATIME;
    boolean dirs = true;
    for (String o : options) {
      switch (o.trim()) {
        case "noatime" -> mode = Mode.NOATIME;
        case "atime", "relatime" -> mode = Mode.RELATIME; // mount(8): atime clears noatime, relatime stays
        case "strictatime" -> mode = Mode.STRICTATIME;
        case "norelatime" -> mode = mode == Mode.NOATIME ? mode : Mode.STRICTATIME;
        case "nostrictatime" -> mode = mode == Mode.STRICTATIME ? Mode.RELATIME : mode;
        case "nodiratime" -> dirs = false;
        case "diratime" -> dirs = true;
        default -> {}
      }
    }
    return new Atime(mode, dirs);
  }

  /** Whether reads and listings never update anything (noatime, or no upper layer to write to). */
  public boolean never() {
    return mode == Mode.NOATIME;
  }

  /** Whether a listing of a directory updates its access time under these options. */
  public boolean forDirs() {
    return dirs && mode != Mode.NOATIME;
  }

  /** The options' short form, as mountinfo would show them. */
  @Override
  public String toString() {
    return mode.name().toLowerCase(java.util.Locale.ROOT) + (dirs ? "" : ",nodiratime");
  }
}
