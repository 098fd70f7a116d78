package dev.lamina.cli;

import dev.lamina.layer.LoadListener;
import java.io.PrintStream;

/**
 * The load progress on stderr: a redrawn bar with layers and bytes on a terminal, a plain line every few
 * seconds (and per layer) otherwise, so logs of CI runs stay readable.
 */
public final class ProgressBar implements LoadListener {
  private static final long TERMINAL_EVERY_NS = 100_000_000L;
  private static final long PLAIN_EVERY_NS = 5_000_000_000L;

  private final PrintStream out;
  private final boolean terminal;
  private int index;
  private int count;
  private String diffId = "";
  private long blobSize;
  private long blobBytes;
  private long contentBytes;
  private long lastDraw;
  private boolean drawn;

  public ProgressBar(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** A bar on stderr when it is a terminal ({@code System.console()} is only non-null for one). */
  public static ProgressBar stderr() {
    return new ProgressBar(System.err, System.console() != null);
  }

  @Override
  public void layerStarted(int index, int count, String diffId, long blobSize) {
    this.index = index;
    this.count = count;
    this.diffId = diffId.substring(diffId.indexOf(':') + 1, Math.min(diffId.length(), diffId.indexOf(':') + 13));
    this.blobSize = blobSize;
    this.blobBytes = 0;
    this.contentBytes = 0;
  }

  @Override
  public void layerProgress(long blobBytes, long contentBytes) {
    this.blobBytes = blobBytes;
    this.contentBytes = contentBytes;
    long now = System.nanoTime();
    if (now - lastDraw >= (terminal ? TERMINAL_EVERY_NS : PLAIN_EVERY_NS)) {
      lastDraw = now;
      draw(false);
    }
  }

  @Override
  public void layerDone(int index, boolean cached) {
    if (cached) {
      line(String.format("layer %d of %d %s: already in the store", index, count, diffId));
    } else {
      blobBytes = blobSize > 0 ? blobSize : blobBytes;
      line(String.format("layer %d of %d %s: extracted %s", index, count, diffId, size(contentBytes)));
    }
  }

  @Override
  public void finished() {
    if (terminal && drawn) {
      out.print("\r\033[K");
      out.flush();
    }
  }

  private void line(String s) {
    if (terminal) {
      out.print("\r\033[K");
    }
    out.println(s);
    out.flush();
    drawn = false;
  }

  private void draw(boolean last) {
    double frac = blobSize > 0 ? Math.min(1.0, (double) blobBytes / blobSize) : 0;
    String text = String.format("layer %d of %d %s %s / %s (%s written)", index, count, diffId, size(blobBytes),
        blobSize > 0 ? size(blobSize) : "?", size(contentBytes));
    if (terminal) {
      int width = 30;
      int filled = (int) Math.round(frac * width);
      out.print("\r\033[K[" + "=".repeat(filled) + " ".repeat(width - filled) + "] "
          + String.format("%3d%% ", (int) (frac * 100)) + text);
      drawn = true;
    } else {
      out.println(text);
    }
    out.flush();
  }

  /** Bytes as docker prints sizes (1000-based units). */
  static String size(long b) {
    if (b < 1000) {
      return b + "B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = b;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, units[u]);
  }
}
