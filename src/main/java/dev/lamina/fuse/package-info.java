/** The thin jnr-fuse adapter: translates FUSE calls to the union core and errors to errno; mounting. */
package dev.lamina.fuse;
