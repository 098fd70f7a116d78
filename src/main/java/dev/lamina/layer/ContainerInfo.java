package dev.lamina.layer;

/**
 * A named container's record ({@code containers/NAME/container.json}): its image and, while mounted, where.
 *
 * @param mountpoint the absolute mount point while mounted by lamina, else null
 */
public record ContainerInfo(String name, String imageId, String image, String created, String mountpoint) {
  ContainerInfo withMountpoint(String m) {
    return new ContainerInfo(name, imageId, image, created, m);
  }
}
