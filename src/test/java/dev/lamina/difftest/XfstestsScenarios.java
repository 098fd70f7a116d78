package dev.lamina.difftest;

import static dev.lamina.difftest.Scenario.named;

import java.util.List;

/**
 * Scenarios from xfstests generic/quick tests that lamina failed where kernel overlayfs passed, each reduced
 * to the operations that told them apart (scripts/xfstests runs the tests themselves).
 */
final class XfstestsScenarios {

  /** An mtime long past (2001-09-09), so that any change of it shows whatever the clock's granularity. */
  static final long OLD_NS = 1_000_000_000L * 1_000_000_000L;

  private XfstestsScenarios() {}

  static List<Scenario> all() {
    return List.of(
        named("mmap_write_then_stat", "a store through a shared mapping changes mtime and ctime, and stat after"
            + " close shows it at once, attributes cached before or not (xfstests generic/080)")
            .op("create", "m", "0123456789").op("utimens", "m", OLD_NS, OLD_NS).expect("ok")
            .op("savetimes", "m", "t").op("stat", "m").op("mmapwrite", "m", "XY", 2).expect("ok")
            .op("timeschanged", "m", "t").op("read", "m")
            .op("savetimes", "lowfile", "l").op("mmapwrite", "lowfile", "Z", 0).expect("ok")
            .op("timeschanged", "lowfile", "l").op("read", "lowfile").build(),
        named("readdir_after_rewind", "names added while a directory is open show after rewinddir (xfstests"
            + " generic/471), in a new and in a lower directory")
            .op("mkdir", "rw").op("readdir_rewind", "rw", List.of(FsDriver.sub("create", "rw/a", ""),
                FsDriver.sub("mkdir", "rw/b"))).expect("ok")
            .op("readdir_rewind", "many", List.of(FsDriver.sub("create", "many/new", ""),
                FsDriver.sub("unlink", "many/t00"))).expect("ok").build());
  }
}
