/**
 * Support for the whole test suite: the skip report printed on the console and summed up by scripts/test
 * ({@link dev.lamina.testing.SkipReport}), host tools a test needs ({@link dev.lamina.testing.Tools},
 * {@link dev.lamina.testing.Exec}), and the per-user cache of slow-to-build fixtures
 * ({@link dev.lamina.testing.TestCache}).
 */
package dev.lamina.testing;
