package dev.lamina.layer;

/**
 * What the store knows about an extracted layer ({@code layers/<hex>/layer.json}), written before the layer is
 * renamed into place.
 *
 * @param size content bytes of its files
 * @param whiteouts the on-disk whiteout form: {@code overlay} (0/0 char devices, trusted.overlay.opaque) or
 *     {@code wh-files} (.wh. files, user.overlay.opaque)
 * @param ownership {@code chown} or {@code override_stat} (see {@link ExtractOptions.Ownership})
 */
public record LayerInfo(String diffId, long size, long entries, String whiteouts, String ownership, String extracted) {}
