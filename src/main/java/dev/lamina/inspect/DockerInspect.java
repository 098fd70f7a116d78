package dev.lamina.inspect;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.lamina.image.Digest;
import dev.lamina.image.Image;
import dev.lamina.image.ImageConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code docker image inspect} object for an image, field for field in docker's order and spelling, plus
 * {@code History} (the config's history, which docker shows separately). Absent lists and maps stay null, as docker
 * prints {@code null} for them. Serialise with {@link InspectJson}; evaluate {@code --format} with
 * {@link InspectTemplate}.
 */
@JsonPropertyOrder({
  "Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Author", "Config", "Architecture", "Variant",
  "Os", "OsVersion", "Size", "GraphDriver", "RootFS", "History"
})
public record DockerInspect(
    @JsonProperty("Id") String id,
    @JsonProperty("RepoTags") List<String> repoTags,
    @JsonProperty("RepoDigests") List<String> repoDigests,
    @JsonProperty("Parent") String parent,
    @JsonProperty("Comment") String comment,
    @JsonProperty("Created") String created,
    @JsonProperty("Author") String author,
    @JsonProperty("Config") Config config,
    @JsonProperty("Architecture") String architecture,
    @JsonProperty("Variant") @JsonInclude(JsonInclude.Include.NON_EMPTY) String variant,
    @JsonProperty("Os") String os,
    @JsonProperty("OsVersion") @JsonInclude(JsonInclude.Include.NON_EMPTY) String osVersion,
    @JsonProperty("Size") long size,
    @JsonProperty("GraphDriver") GraphDriver graphDriver,
    @JsonProperty("RootFS") RootFs rootFs,
    @JsonProperty("History") List<History> history) {

  /** The container config docker shows: the fields the image config defines. */
  @JsonPropertyOrder({
    "User", "ExposedPorts", "Env", "Cmd", "Volumes", "WorkingDir", "Entrypoint", "Labels", "StopSignal"
  })
  public record Config(
      @JsonProperty("User") String user,
      @JsonProperty("ExposedPorts") Map<String, EmptyObject> exposedPorts,
      @JsonProperty("Env") List<String> env,
      @JsonProperty("Cmd") List<String> cmd,
      @JsonProperty("Volumes") Map<String, EmptyObject> volumes,
      @JsonProperty("WorkingDir") String workingDir,
      @JsonProperty("Entrypoint") List<String> entrypoint,
      @JsonProperty("Labels") Map<String, String> labels,
      @JsonProperty("StopSignal") @JsonInclude(JsonInclude.Include.NON_EMPTY) String stopSignal) {}

  /** The {@code {}} values of docker's port and volume sets (Go's {@code struct{}}). */
  public record EmptyObject() {
    static final EmptyObject INSTANCE = new EmptyObject();
  }

  /** Where the image's files are: for lamina, its store's layer and container dirs. */
  @JsonPropertyOrder({"Data", "Name"})
  public record GraphDriver(@JsonProperty("Data") Map<String, String> data, @JsonProperty("Name") String name) {}

  /** The image's layers by diff_id. */
  @JsonPropertyOrder({"Type", "Layers"})
  public record RootFs(@JsonProperty("Type") String type, @JsonProperty("Layers") List<String> layers) {}

  /** One config history entry. */
  @JsonPropertyOrder({"Created", "CreatedBy", "Author", "Comment", "EmptyLayer"})
  public record History(
      @JsonProperty("Created") String created,
      @JsonProperty("CreatedBy") String createdBy,
      @JsonProperty("Author") @JsonInclude(JsonInclude.Include.NON_EMPTY) String author,
      @JsonProperty("Comment") @JsonInclude(JsonInclude.Include.NON_EMPTY) String comment,
      @JsonProperty("EmptyLayer") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean emptyLayer) {}

  /**
   * Builds the inspect object.
   *
   * @param size the image's size as docker reports it: the sum of its layers' uncompressed sizes
   * @param graphDriverData LowerDir/UpperDir/WorkDir/MergedDir of the image in lamina's store (values may be null)
   */
  public static DockerInspect of(Image image, long size, Map<String, String> graphDriverData) {
    ImageConfig c = image.config();
    ImageConfig.ContainerConfig cc = c.config();
    Config config =
        new Config(
            nullToEmpty(cc.user()),
            set(cc.exposedPorts()),
            cc.env(),
            cc.cmd(),
            set(cc.volumes()),
            nullToEmpty(cc.workingDir()),
            cc.entrypoint(),
            cc.labels(),
            cc.stopSignal());
    List<History> history =
        c.history().stream()
            .map(h -> new History(h.created(), h.createdBy(), h.author(), h.comment(), h.emptyLayer()))
            .toList();
    return new DockerInspect(
        image.id(),
        image.repoTags(),
        image.repoDigests(),
        "",
        nullToEmpty(c.comment()),
        c.created(),
        nullToEmpty(c.author()),
        config,
        c.architecture(),
        c.variant(),
        c.os(),
        c.osVersion(),
        size,
        new GraphDriver(graphDriverData == null ? null : new LinkedHashMap<>(graphDriverData), "lamina"),
        new RootFs(c.rootfsType() == null ? "layers" : c.rootfsType(),
            c.diffIds().stream().map(Digest::toString).toList()),
        history);
  }

  private static Map<String, EmptyObject> set(List<String> keys) {
    if (keys == null) {
      return null;
    }
    Map<String, EmptyObject> m = new LinkedHashMap<>();
    keys.forEach(k -> m.put(k, EmptyObject.INSTANCE));
    return m;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
