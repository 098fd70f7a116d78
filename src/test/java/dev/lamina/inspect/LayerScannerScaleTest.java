package dev.lamina.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The analysis of a 300 MB, 10,000-file image streams: the tars are generated on the fly through a pipe (never in
 * memory), and the heap stays small. The time it took is printed, not asserted: it depends on the machine's load.
 */
class LayerScannerScaleTest {
  static final int FILES_PER_LAYER = 3_400;
  static final int LAYERS = 3;
  static final int FILE_SIZE = 30 * 1024; // 3 x 3400 x 30 KiB = 300 MiB

  @Test
  void analysesA300MbImageStreamingWithBoundedMemory() throws Exception {
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      List<LayerTree> trees = new ArrayList<>();
      LayerScanner scanner = new LayerScanner();
      long start = System.nanoTime();
      for (int layer = 0; layer < LAYERS; layer++) {
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        int l = layer;
        Future<?> done = writer.submit(() -> writeLayer(out, l));
        try (InputStream tar = in) {
          trees.add(scanner.scan(tar, "generated layer " + layer));
        }
        done.get();
      }
      List<LayerInfo> infos = new ArrayList<>();
      for (int i = 0; i < LAYERS; i++) {
        infos.add(new LayerInfo(i, "sha256:" + i, "", -1, "layer " + i));
      }
      LayerAnalysis a = LayerAnalysis.of("generated", infos, trees);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.gc();
      long usedMb = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
      System.out.printf("scale: %d files, %d MiB of contents analysed in %.2f s, heap in use after: %d MiB%n",
          LAYERS * FILES_PER_LAYER, (long) LAYERS * FILES_PER_LAYER * FILE_SIZE >> 20, seconds, usedMb);

      // every layer after the first rewrites the first 1000 files of the previous one (same paths, new contents)
      assertThat(a.sizeBytes()).isEqualTo((long) LAYERS * FILES_PER_LAYER * FILE_SIZE);
      assertThat(a.efficiency().inefficient()).hasSize(1000);
      assertThat(a.changes(1)).filteredOn(c -> c.type() == LayerDiffType.MODIFIED).hasSize(1000);
      assertThat(usedMb).as("heap in use: contents must not be kept").isLessThan(200);
    } finally {
      writer.shutdownNow();
    }
  }

  /** Layer L: dir dL with files, plus d0/f0..f999 rewritten with layer-specific bytes when L > 0. */
  private static Void writeLayer(OutputStream out, int layer) throws IOException {
    byte[] body = new byte[FILE_SIZE];
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      for (int i = 0; i < FILES_PER_LAYER; i++) {
        boolean rewrite = layer > 0 && i < 1000;
        String name = rewrite ? "d0/f" + i : "d" + layer + "/f" + i;
        Arrays.fill(body, (byte) (layer * 31 + i));
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(FILE_SIZE);
        e.setMode(0100644);
        tar.putArchiveEntry(e);
        tar.write(body);
        tar.closeArchiveEntry();
      }
    }
    return null;
  }
}
