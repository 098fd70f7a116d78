/**
 * Overlay semantics on plain directories, testable without FUSE, in kernel overlayfs's on-disk formats: lookup through
 * the stack (Resolver, LowerDirCache), whiteouts and opaque dirs in both forms (Whiteouts), the merged readdir,
 * copy-up (CopyUp), namespace changes and rename (Namespace, Renamer), metadata changes (MetadataOps) with the
 * kernel's setuid/setgid rules (SetIdBits), directory redirects (Redirects, redirect_dir), metadata-only copy-up
 * (MetaCopy, metacopy), origin records that keep inode numbers across copy-up and remount (Origin, Origins,
 * InodeMap), access times (AccessTimes, Atime), rootless ownership in user.containers.override_stat and id mappings.
 * {@link dev.lamina.union.UnionFs} is its one face to the FUSE adapters. Uses only the sys interfaces.
 */
package dev.lamina.union;
