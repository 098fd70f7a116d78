/**
 * Support for the whole test suite: the skip report printed on the console and summed up by scripts/test
 * ({@link dev.lamina.testing.SkipReport}), host tools a test needs ({@link dev.lamina.testing.Tools},
 * {@link dev.lamina.testing.Exec}), and the per-user cache of slow-to-build fixtures
 * ({@link dev.lamina.testing.TestCache}), and the machine-wide lock that keeps two root runs from changing host state
 * (test users, /dev/fuse's mode, /etc/fuse.conf) under each other ({@link dev.lamina.testing.HostStateLock}).
 */
package dev.lamina.testing;
