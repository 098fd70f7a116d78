/**
 * Layer tars to diff dirs (TarReader: checksummed headers, names as bytes; safe extraction, whiteout formats) and the
 * shared layer store: its images, containers (named upper dirs), the locks that keep layers in use from removal
 * (LayerUseLocks) and prune (StoreCleaner). Uses image and sys.
 */
package dev.lamina.layer;
