/**
 * Pure views of images: the docker-inspect model and the dive-like layer analysis. Uses image, layer and sys's
 * FileNames.
 */
package dev.lamina.inspect;
