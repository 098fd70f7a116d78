package dev.lamina.inspect;

/**
 * How one path is stored across the layers (dive's EfficiencyData).
 *
 * @param path absolute path ("/etc/passwd")
 * @param count how many times a layer adds, replaces or removes the path
 * @param cumulativeSize bytes summed over those occurrences (a removal counts what it hides, per the mode)
 * @param minSize the smallest single occurrence: what the image would need at least
 */
public record EfficiencyPath(String path, int count, long cumulativeSize, long minSize) {}
