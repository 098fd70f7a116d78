/**
 * Overlay semantics on plain directories (lookup through the stack, whiteouts, opaque dirs, merged readdir,
 * copy-up, rename), testable without FUSE. Uses only the sys interfaces.
 */
package dev.lamina.union;
