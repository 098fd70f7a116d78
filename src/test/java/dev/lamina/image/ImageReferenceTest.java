package dev.lamina.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reference syntax: skopeo/podman transports, store roots in brackets, lamina store names. */
class ImageReferenceTest {

  static Stream<Arguments> references() {
    return Stream.of(
        Arguments.of("oci:/img", new ImageReference.Oci(Path.of("/img"), null)),
        Arguments.of("oci:/img:v1", new ImageReference.Oci(Path.of("/img"), "v1")),
        Arguments.of("oci:rel/dir:", new ImageReference.Oci(Path.of("rel/dir"), null)),
        Arguments.of("oci-archive:/a.tar:latest", new ImageReference.OciArchive(Path.of("/a.tar"), "latest")),
        Arguments.of("docker-archive:/s.tar", new ImageReference.DockerArchive(Path.of("/s.tar"), null)),
        Arguments.of("docker-archive:/s.tar:busybox:1.36",
            new ImageReference.DockerArchive(Path.of("/s.tar"), "busybox:1.36")),
        Arguments.of("docker-archive:/s.tar:reg:5000/x/y:2",
            new ImageReference.DockerArchive(Path.of("/s.tar"), "reg:5000/x/y:2")),
        Arguments.of("docker-archive:/s.tar:@1", new ImageReference.DockerArchive(Path.of("/s.tar"), "@1")),
        Arguments.of("dir:/d", new ImageReference.Dir(Path.of("/d"))),
        Arguments.of("docker-store:busybox", new ImageReference.DockerStore(defaultRoot("docker-store"), "busybox")),
        Arguments.of("docker-store:[/srv/docker]busybox:1",
            new ImageReference.DockerStore(Path.of("/srv/docker"), "busybox:1")),
        Arguments.of("docker-store:[/srv/docker]", new ImageReference.DockerStore(Path.of("/srv/docker"), null)),
        Arguments.of("containers-storage:alpine",
            new ImageReference.ContainersStorage(defaultRoot("containers-storage"), "alpine")),
        Arguments.of("containers-storage:[overlay@/s+/run/s]alpine:3",
            new ImageReference.ContainersStorage(Path.of("/s"), "alpine:3")),
        Arguments.of("busybox:latest", new ImageReference.StoreName("busybox:latest")),
        Arguments.of("0ae1908efd34", new ImageReference.StoreName("0ae1908efd34")),
        Arguments.of("docker.io/library/busybox", new ImageReference.StoreName("docker.io/library/busybox")));
  }

  static Path defaultRoot(String transport) {
    return ImageReference.defaultStoreRoot(
        transport, System.getenv(), System.getProperty("user.name"), System.getProperty("user.home"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("references")
  void parses(String text, ImageReference expected) throws Exception {
    assertThat(ImageSource.parse(text)).isEqualTo(expected);
  }

  @Test
  void storeRootsDefaultLikeDockerAndPodmanPerUser() {
    assertThat(ImageReference.defaultStoreRoot("docker-store", java.util.Map.of(), "root", "/root"))
        .isEqualTo(Path.of("/var/lib/docker"));
    assertThat(ImageReference.defaultStoreRoot("containers-storage", java.util.Map.of(), "ann", "/home/ann"))
        .isEqualTo(Path.of("/home/ann/.local/share/containers/storage"));
    assertThat(ImageReference.defaultStoreRoot("docker-store", java.util.Map.of("XDG_DATA_HOME", "/x"), "ann", "/h"))
        .isEqualTo(Path.of("/x/docker"));
  }

  @Test
  void malformedReferencesSayWhatWasExpected() {
    assertThatThrownBy(() -> ImageSource.parse("oci:")).hasMessageContaining("expected oci:PATH[:TAG]");
    assertThatThrownBy(() -> ImageSource.parse("dir:")).hasMessageContaining("expected dir:DIR");
    assertThatThrownBy(() -> ImageSource.parse("containers-storage:[vfs@/x]a"))
        .hasMessageContaining("lamina reads only overlay stores");
    assertThatThrownBy(() -> ImageSource.parse("docker-store:[/x")).hasMessageContaining("'[' without ']'");
    assertThatThrownBy(() -> ImageSource.parse("/no/such/path")).hasMessageContaining("/no/such/path does not exist");
    assertThatThrownBy(() -> ImageSource.parse("")).hasMessageContaining("empty image reference");
    assertThatThrownBy(() -> ImageSource.parse("docker://busybox:1.36"))
        .hasMessageContaining("lamina does not pull")
        .hasMessageContaining("skopeo copy docker://busybox:1.36 oci:DIR:TAG");
    assertThatThrownBy(() -> ImageSource.parse("docker-daemon:busybox:1.36"))
        .hasMessageContaining("docker-store:busybox:1.36");
  }

  @Test
  void bareArchivesAreRecognisedByContent() throws Exception {
    assertThat(ImageSource.parse(TestImages.path("image.oci.tar").toString()))
        .isInstanceOf(ImageReference.OciArchive.class);
    assertThat(ImageSource.parse(TestImages.path("image.docker.tar").toString()))
        .isInstanceOf(ImageReference.DockerArchive.class);
    assertThat(ImageSource.parse(TestImages.path("image.docker25.tar").toString()))
        .isInstanceOf(ImageReference.DockerArchive.class);
    assertThat(ImageSource.parse(TestImages.path("dir-v2s2").toString())).isInstanceOf(ImageReference.Dir.class);
  }

  @Test
  void storeNamesAreLeftToTheLayerStore() {
    assertThatThrownBy(() -> ImageSource.open(new ImageReference.StoreName("busybox"), null))
        .hasMessageContaining("names an image in lamina's store")
        .hasMessageContaining("lamina load");
  }

  @Test
  void platformsParseAndMatchLikeContainerd() {
    Platform armV8 = Platform.parse("linux/arm64/v8");
    assertThat(Platform.parse("linux/aarch64")).isEqualTo(new Platform("linux", "arm64", null));
    assertThat(Platform.parse("linux/arm64").accepts(armV8)).isTrue();
    assertThat(armV8.accepts(new Platform("linux", "arm64", null))).isTrue(); // v8 is arm64's default
    assertThat(Platform.parse("linux/arm/v7").accepts(new Platform("linux", "arm", "v6"))).isFalse();
    assertThat(Platform.parse("linux/amd64").accepts(new Platform("linux", "x86_64", null))).isTrue();
    assertThat(Platform.host().os()).isEqualTo("linux");
    assertThatThrownBy(() -> Platform.parse("amd64")).hasMessageContaining("expected os/arch[/variant]");
  }

  @Test
  void shortNamesMatchLikeDockerAndPodman() {
    assertThat(RefNames.matches("docker.io/library/busybox:latest", "busybox")).isTrue();
    assertThat(RefNames.matches("docker.io/example/busybox:1.0", "example/busybox:1.0")).isTrue();
    assertThat(RefNames.matches("localhost/example/busybox:1.0", "example/busybox:1.0")).isTrue();
    assertThat(RefNames.matches("quay.io/x/busybox:1.0", "docker.io/x/busybox:1.0")).isFalse();
    assertThat(RefNames.matches("docker.io/library/busybox:1.36", "busybox")).isFalse();
  }
}
