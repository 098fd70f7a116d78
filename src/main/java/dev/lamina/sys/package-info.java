/**
 * Native calls, the only package that imports jnr.ffi: the host filesystem calls of the overlay core (HostFs,
 * JnrHostFs: fd-relative, statx, xattrs, file handles), the FUSE device and libfuse 2's mount (FuseDevice),
 * splice(2) for READ replies (Splice), inotify for unmounts (UnmountWatch), remount (MountCall) and Unix sockets
 * with SCM_RIGHTS and SO_PEERCRED (UnixSocket). Errors are ErrnoException. File names are bytes, carried losslessly
 * in Strings by FileNames.
 */
package dev.lamina.sys;
