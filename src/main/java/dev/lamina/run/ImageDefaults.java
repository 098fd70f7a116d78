package dev.lamina.run;

import dev.lamina.image.ImageConfig;
import java.util.List;

/**
 * What an image says about running it (the OCI config's Env, Entrypoint, Cmd, WorkingDir, User); null or empty
 * fields mean the image does not set them.
 */
public record ImageDefaults(
    List<String> env, List<String> entrypoint, List<String> cmd, String workingDir, String user) {

  public static final ImageDefaults NONE = new ImageDefaults(null, null, null, null, null);

  /** The run defaults of an image's config ({@code config.Env}, {@code Entrypoint}, ...). */
  public static ImageDefaults of(ImageConfig config) {
    ImageConfig.ContainerConfig c = config.config();
    if (c == null) {
      return NONE;
    }
    return new ImageDefaults(c.env(), c.entrypoint(), c.cmd(), c.workingDir(), c.user());
  }

  public ImageDefaults {
    env = env == null ? List.of() : List.copyOf(env);
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    workingDir = workingDir == null || workingDir.isEmpty() ? null : workingDir;
    user = user == null || user.isEmpty() ? null : user;
  }
}
