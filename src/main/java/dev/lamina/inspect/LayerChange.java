package dev.lamina.inspect;

/**
 * One path a layer touches, compared with the merged layers below it.
 *
 * @param path relative path without leading slash
 * @param type added, modified, removed or unmodified (an entry re-emitted identically, typically a parent directory)
 * @param kind the kind of the new entry, or of the removed one for {@link LayerDiffType#REMOVED}
 * @param size bytes of the new entry; for a removal, the bytes it hides (a directory: everything below it)
 * @param lowerSize bytes of the lower entry (0 when added)
 * @param hiddenFiles for a removal, how many paths it hides (the directory and all below it)
 * @param entry the layer's entry (null for removals)
 */
public record LayerChange(
    String path, LayerDiffType type, LayerEntry.Kind kind, long size, long lowerSize, int hiddenFiles,
    LayerEntry entry) {}
