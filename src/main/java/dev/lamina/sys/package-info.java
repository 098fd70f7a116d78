/** Host filesystem calls; the only package that imports jnr.ffi. Errors are ErrnoException. */
package dev.lamina.sys;
