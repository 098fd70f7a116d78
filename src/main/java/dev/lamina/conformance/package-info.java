/**
 * Overlay conformance testing: scenarios of filesystem operations ({@link dev.lamina.conformance.ScenarioFormat
 * a line-based data format}, the built-in ones in {@code scenarios/}) run over fresh copies of the same lower
 * layers on a reference (kernel overlayfs) and on targets (lamina, fuse-overlayfs, any mount command), and
 * compared fact by fact: each step's result with its errno, the merged tree, the upper dir, and the upper dir
 * re-read by the kernel as a lower layer. {@link dev.lamina.conformance.Conformance} is the one engine, used by
 * {@code lamina conformance} and by the differential test suite. Filesystem operations run in
 * {@code fsdriver.py} (python3), one syscall per step, so errnos are exact; host commands through
 * {@link dev.lamina.conformance.Shell}.
 */
package dev.lamina.conformance;
