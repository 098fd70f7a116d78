/** Layer tars to diff dirs (safe extraction, whiteout formats) and the shared layer store. Uses image and sys. */
package dev.lamina.layer;
