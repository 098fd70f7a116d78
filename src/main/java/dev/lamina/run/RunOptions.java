package dev.lamina.run;

import java.util.List;

/**
 * What the user asked for on the command line of {@code lamina run}; null or empty fields fall back to the image.
 *
 * @param command the command after {@code --}, replacing the image's Cmd (empty: the image's)
 * @param env {@code -e KEY=VAL} (or {@code -e KEY}: take KEY from lamina's own environment, drop it if unset)
 */
public record RunOptions(
    List<String> command,
    List<String> env,
    String workdir,
    String user,
    List<BindMount> binds,
    boolean readOnly,
    boolean tty,
    boolean interactive,
    String hostname) {

  public static final RunOptions DEFAULT =
      new RunOptions(List.of(), List.of(), null, null, List.of(), false, false, false, null);

  public RunOptions {
    command = command == null ? List.of() : List.copyOf(command);
    env = env == null ? List.of() : List.copyOf(env);
    binds = binds == null ? List.of() : List.copyOf(binds);
  }
}
