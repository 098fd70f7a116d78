package dev.lamina.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The read-ahead stream delivers the same bytes and hands the source's errors (digest mismatches) to the reader. */
class ReadAheadInputStreamTest {
  @Test
  void deliversTheSameBytes() throws IOException {
    byte[] data = new byte[3_000_017];
    new Random(7).nextBytes(data);
    try (ReadAheadInputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data), 65536, 3, "t")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void anErrorAtTheEndReachesCloseEvenWhenTheConsumerStoppedEarly() {
    InputStream failing = new InputStream() {
      int left = 200_000;

      @Override
      public int read() throws IOException {
        if (left-- > 0) {
          return 1;
        }
        throw new IOException("diff_id mismatch");
      }
    };
    ReadAheadInputStream in = new ReadAheadInputStream(failing, 4096, 2, "t");
    assertThatThrownBy(() -> {
      in.readNBytes(1000); // the tar reader stops at its end-of-archive blocks
      in.close();
    }).hasMessage("diff_id mismatch");
  }

  @Test
  void abortStopsTheReader() throws IOException {
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        return 0;
      }
    };
    ReadAheadInputStream in = new ReadAheadInputStream(endless, 4096, 2, "t");
    assertThat(in.read()).isZero();
    in.abort();
    assertThat(in.read()).isEqualTo(-1);
  }
}
