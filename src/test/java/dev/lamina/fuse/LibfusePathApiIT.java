package dev.lamina.fuse;

/** {@link UnionFuseIT}'s tests through the other server: jnr-fuse over libfuse 2's path API. */
class LibfusePathApiIT extends UnionFuseIT {
  @Override
  String extraOptions() {
    return ",fuse_api=libfuse";
  }
}
