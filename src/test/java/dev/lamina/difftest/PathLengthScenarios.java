package dev.lamina.difftest;

import static dev.lamina.difftest.Scenario.named;

import java.util.List;

/**
 * Scenarios about whole paths near PATH_MAX inside the mount (pjdfstest's NN/03.t): from a working directory
 * below the mount root, a 4,095-byte relative path (15 directories and a file of 255 bytes each) works
 * whatever the layers hold, since the kernel hands the file system one name at a time.
 */
final class PathLengthScenarios {

  private PathLengthScenarios() {}

  static List<Scenario> all() {
    return List.of(
        named("long_path_below_lower_only_dir", "a 4,095-byte relative path inside a lower-only directory")
            .op("chdir", "dlow").expect("ok").op("longpath", 15, 255).expect("ok").op("chdir", "inner")
            .op("longpath", 15, 255).expect("ok").op("chdir", "../..").op("listdir", "dlow").build(),
        named("long_path_below_merged_and_upper_dirs", "the same inside a merged and a new directory")
            .op("chdir", "d1/sub").expect("ok").op("longpath", 15, 255).expect("ok").op("chdir", "../..")
            .op("mkdir", "fresh").op("chdir", "fresh").op("longpath", 15, 255).expect("ok")
            .op("chdir", "..").op("listdir", "d1/sub").build());
  }
}
