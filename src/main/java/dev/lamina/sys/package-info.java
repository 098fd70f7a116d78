/**
 * Host filesystem calls; the only package that imports jnr.ffi. Errors are ErrnoException. File names are bytes,
 * carried losslessly in Strings by FileNames.
 */
package dev.lamina.sys;
