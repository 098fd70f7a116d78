/**
 * The shared mount daemon (the default; {@code -o daemon=private} opts out, DaemonMode): one long-lived JVM per user
 * serves many FUSE mounts, each with its own session, union and layer locks (ServedMounts), so the JVM, its compiled
 * code and its class data are paid once. A Unix socket (0600 in a 0700 directory, DaemonPaths) takes requests
 * (Frames); every peer must be the daemon's own user (SO_PEERCRED) and hold the rights the mount uses (PeerCheck).
 * Clients (DaemonClient, MountClient) start the daemon on first use; it exits after an idle period with no mounts. A
 * client in another mount or user namespace mounts where it is and passes the /dev/fuse descriptor and its layer
 * directories' descriptors (PassingClient, PassedMount, Namespaces). Each lamina build (BuildId) has a daemon of its
 * own, which runs from a private copy of its jar (DaemonPaths): rebuilding or upgrading the jar never breaks a running
 * daemon, and a new build's mounts go to a new daemon while the old one serves its mounts until they are gone. Knows nothing of picocli: the cli package
 * supplies the handler that parses and mounts. Uses fuse and sys.
 */
package dev.lamina.daemon;
