package dev.lamina.union;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unions of one process that stack the same lower layer share what they read of it ({@link SharedListings}) while
 * the one that read it is live, and no longer once it is gone: a shared daemon keeps one image's directories once
 * for all its containers, and a layer changed between mounts is read anew.
 */
class SharedListingsTest {
  @TempDir Path tmp;

  private OverlayFs open(Fixture fx, String name) throws Exception {
    Path up = Files.createDirectories(tmp.resolve(name + "/upper"));
    Path work = Files.createDirectories(tmp.resolve(name + "/work"));
    return new OverlayFs(OverlayConfig.builder().lowerDirs(List.of(fx.lowers)).upperDir(up).workDir(work).build());
  }

  @Test
  void aLiveMountsListingsAreSharedAndAGoneMountsAreNot() throws Exception {
    Fixture fx = new Fixture(tmp.resolve("fx"), 1);
    Fixture.file(fx.lowers[0], "dir/a", "a");
    Fixture.file(fx.lowers[0], "dir/b", "b");
    int before = SharedListings.current();
    AtomicBoolean live = new AtomicBoolean(true);
    try (OverlayFs first = open(fx, "first")) {
      first.shareListingsWhile(live::get);
      assertThat(Fixture.names(first, "/dir")).containsExactly("a", "b");
      try (OverlayFs second = open(fx, "second")) {
        assertThat(Fixture.names(second, "/dir")).containsExactly("a", "b");
        assertThat(second.lowerDirs().listed(1, "dir")).as("the listing read by the live mount")
            .isNotNull().isSameAs(first.lowerDirs().listed(1, "dir"));
        assertThat(SharedListings.current()).isEqualTo(before + 1);

        live.set(false); // the first one unmounted (its union not yet closed); then the layer changes
        Fixture.file(fx.lowers[0], "dir/c", "c");
        try (OverlayFs third = open(fx, "third")) {
          assertThat(Fixture.names(third, "/dir")).containsExactly("a", "b", "c");
          assertThat(third.lowerDirs().listed(1, "dir")).isNotSameAs(first.lowerDirs().listed(1, "dir"));
        }
      }
    }
    assertThat(SharedListings.current()).as("listings left once every union closed").isEqualTo(before);
  }

  @Test
  void unionsThatNeverSaidTheyAreLiveShareNothing() throws Exception {
    Fixture fx = new Fixture(tmp.resolve("fx"), 1);
    Fixture.file(fx.lowers[0], "dir/a", "a");
    try (OverlayFs one = open(fx, "one"); OverlayFs two = open(fx, "two")) {
      Fixture.names(one, "/dir");
      Fixture.names(two, "/dir");
      assertThat(two.lowerDirs().listed(1, "dir")).isNotNull().isNotSameAs(one.lowerDirs().listed(1, "dir"));
    }
  }
}
