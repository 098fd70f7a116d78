package dev.lamina.inspect;

import java.util.List;

/**
 * The efficiency of an image: dive's score (sum of minimal sizes over sum of cumulative sizes), the wasted bytes
 * (cumulative sizes of the paths that occur more than once) and those paths, largest first.
 *
 * @param score 1.0 when nothing is duplicated or removed
 * @param wastedBytes dive's "inefficientBytes"
 * @param inefficient paths stored or removed more than once, by cumulative size, largest first
 * @param warnings whiteouts of missing paths met while computing
 */
public record EfficiencyResult(
    double score, long wastedBytes, List<EfficiencyPath> inefficient, List<String> warnings) {}
