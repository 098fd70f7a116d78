package dev.lamina.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream to its end on a background thread, a few chunks ahead of the consumer, so decompression and
 * digest checks of a layer overlap with writing its files (what {@code gzip -d | tar -x} gets from two
 * processes). An error of the source, including a digest mismatch found at its end, is rethrown to the
 * consumer by {@link #read} or at the latest by {@link #close}.
 */
final class ReadAheadInputStream extends InputStream {
  private static final byte[] EOF = new byte[0];

  private final BlockingQueue<byte[]> chunks;
  private final Thread reader;
  private volatile IOException failure;
  private volatile boolean closed;
  private byte[] current = new byte[0];
  private int pos;
  private boolean atEnd;

  ReadAheadInputStream(InputStream source, int chunkSize, int depth, String name) {
    this.chunks = new ArrayBlockingQueue<>(depth);
    this.reader = new Thread(() -> pump(source, chunkSize), name);
    reader.setDaemon(true);
    reader.start();
  }

  private void pump(InputStream source, int chunkSize) {
    try (source) {
      while (!closed) {
        byte[] buf = new byte[chunkSize];
        int n = source.readNBytes(buf, 0, chunkSize);
        if (n <= 0) {
          break;
        }
        chunks.put(n == chunkSize ? buf : java.util.Arrays.copyOf(buf, n));
        if (n < chunkSize) {
          break;
        }
      }
    } catch (IOException e) {
      failure = e;
    } catch (InterruptedException e) {
      failure = new InterruptedIOException("read-ahead interrupted");
    } catch (RuntimeException e) {
      failure = new IOException(e.toString(), e);
    } finally {
      // always wake the consumer; if it stopped reading (closed), nobody waits and offer may fail harmlessly
      while (!closed) {
        try {
          chunks.put(EOF);
          break;
        } catch (InterruptedException e) {
          // keep trying: the consumer must learn the stream ended
        }
      }
    }
  }

  private boolean fill() throws IOException {
    if (atEnd) {
      return false;
    }
    while (pos >= current.length) {
      byte[] next;
      try {
        next = chunks.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading a layer");
      }
      if (next == EOF) {
        atEnd = true;
        if (failure != null) {
          throw failure;
        }
        return false;
      }
      current = next;
      pos = 0;
    }
    return true;
  }

  @Override
  public int read() throws IOException {
    return fill() ? current[pos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.length - pos);
    System.arraycopy(current, pos, b, off, n);
    pos += n;
    return n;
  }

  /** Drains what the consumer left (the tar padding), waits for the reader and rethrows its error. */
  @Override
  public void close() throws IOException {
    try {
      while (fill()) {
        pos = current.length;
      }
    } finally {
      closed = true;
      chunks.clear();
      reader.interrupt();
      try {
        reader.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the reader without reading the rest (after a failure of the consumer) and waits for it to stop. */
  void abort() {
    closed = true;
    atEnd = true;
    reader.interrupt();
    chunks.clear();
    try {
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
