/**
 * The shared mount daemon: one long-lived JVM per user serves many FUSE mounts, so the JVM, its compiled code and
 * its class data are paid once. A Unix socket (0600 in a 0700 directory, peers checked with SO_PEERCRED) takes
 * requests; clients start the daemon on first use and it exits after an idle period with no mounts. Knows nothing
 * of picocli: the cli package supplies the handler that parses and mounts. Uses fuse and sys.
 */
package dev.lamina.daemon;
