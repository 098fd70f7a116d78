/**
 * Reading images (OCI layout and archive, docker-archive, dir:, Docker overlay2 and containers-storage stores):
 * references, descriptors, manifests, configs; verifies digests. Read-only; uses no other lamina package.
 */
package dev.lamina.image;
