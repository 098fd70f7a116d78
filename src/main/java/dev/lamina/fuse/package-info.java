/**
 * Mounting a union over FUSE: mount options in fuse-overlayfs form and their checks (MountOptions, OptionValues,
 * OverlayfsOptions, MountPreflight), the live mount and its unmount (FuseMount, Unmount, Remount, MountTable,
 * Readahead), and background mounts (BackgroundMount). The filesystem is served by the kernel-protocol session of
 * {@link dev.lamina.fuse.kernel} by default, or with {@code -o fuse_api=libfuse} by the thin jnr-fuse adapter
 * (UnionFuse, the one class here that imports ru.serce.jnrfuse, and HandleTable). Uses union and sys.
 */
package dev.lamina.fuse;
