package dev.lamina.daemon;

import dev.lamina.fuse.FuseMount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mounts a daemon serves. Each is independent: its own session and worker threads (so one mount's slow
 * backing store or failing requests never takes another's workers), its own union and layer locks; it leaves this
 * table when the kernel drops it (umount, fusermount3 -u).
 */
public final class ServedMounts {
  private static final Logger LOG = LoggerFactory.getLogger(ServedMounts.class);

  /** One served mount: what releases it (layer locks) runs after its union closed. */
  public record Served(FuseMount mount, Instant since, AutoCloseable resources) {}

  private final Map<String, Served> mounts = new ConcurrentHashMap<>();
  private final Runnable onChange;

  ServedMounts(Runnable onChange) {
    this.onChange = onChange;
  }

  /**
   * Takes a live mount; when the kernel drops it, its union and {@code resources} are closed and it leaves. A mount
   * of the same name whose session is still ending (unmounted, not yet seen) keeps running until it has, but the
   * name is the new one's: the old one's removal takes only its own entry.
   */
  public void add(FuseMount m, AutoCloseable resources) {
    Served s = new Served(m, Instant.now(), resources);
    mounts.put(m.key(), s);
    onChange.run();
    m.closeOnUnmount(() -> remove(s));
  }

  private void remove(Served s) {
    try {
      s.resources().close();
    } catch (Exception e) {
      LOG.warn("releasing the layers of {} failed: {}", s.mount().mountPoint(), e.toString());
    }
    mounts.remove(s.mount().key(), s);
    LOG.info("{} was unmounted; {} mount(s) left", s.mount().key(), mounts.size());
    onChange.run();
  }

  public int size() {
    return mounts.size();
  }

  /** Whether this daemon serves a mount named {@code key} ({@link FuseMount#key}) now. */
  public boolean serves(String key) {
    return mounts.containsKey(key);
  }

  public List<Served> list() {
    List<Served> l = new ArrayList<>(mounts.values());
    l.sort((a, b) -> a.since().compareTo(b.since()));
    return l;
  }
}
