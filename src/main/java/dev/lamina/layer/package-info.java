/**
 * Layer tars to diff dirs (TarReader: checksummed headers, names as bytes; safe extraction, whiteout formats) and the
 * shared layer store. Uses image and sys.
 */
package dev.lamina.layer;
