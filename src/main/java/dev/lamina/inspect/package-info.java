/** Pure views of images: the docker-inspect model and the dive-like layer analysis. Uses image and layer. */
package dev.lamina.inspect;
