package dev.lamina.difftest;

import static dev.lamina.difftest.Scenario.named;

import java.util.ArrayList;
import java.util.List;

/**
 * Access times under each atime mount option (xfstests generic/003): whether a read or a listing through the
 * mount moves a file's or a directory's atime (and leaves mtime and ctime), for a new upper file, a file copied
 * up, and files and directories only a lower layer holds (the kernel never changes those). No step depends on
 * the clock: times are set with utimens first, so that relatime's rule has a fixed answer. An atime before the
 * mtime: relatime and strictatime update it. An atime in the future (after mtime and ctime, under a day old):
 * only strictatime does.
 */
final class AtimeScenarios {

  /** 2001-09-09, 2004-11-09 and 2096-10-02 in nanoseconds. */
  static final long PAST = 1_000_000_000_000_000_000L;
  static final long LATER = 1_100_000_000_000_000_000L;
  static final long FUTURE = 4_000_000_000_000_000_000L;

  private AtimeScenarios() {}

  static List<Scenario> all() {
    List<Scenario> all = new ArrayList<>();
    for (String options : List.of("", "relatime", "strictatime", "noatime", "nodiratime",
        "strictatime,nodiratime", "noatime,strictatime", "lazytime")) {
      String tag = options.isEmpty() ? "default" : options.replace(',', '_');
      all.add(named("atime_" + tag, "reads and listings under -o " + (options.isEmpty() ? "(nothing)" : options)
              + " move atime as the kernel's do")
          .mountOptions(options)
          .op("create", "f", "data").op("utimens", "f", PAST, LATER).expect("ok")
          .op("accessed", "f", "read").expect("ok").op("accessed", "f", "read_noatime").expect("ok")
          .op("utimens", "f", FUTURE, LATER).expect("ok").op("accessed", "f", "read").expect("ok")
          .op("utimens", "lowfile", PAST, LATER).expect("ok").op("accessed", "lowfile", "read").expect("ok")
          .op("accessed", "topfile", "read").expect("ok").op("accessed", "d1/sub/g", "read").expect("ok")
          .op("accessed", "dlow", "list").expect("ok").op("accessed", "d1", "list").expect("ok")
          .op("mkdir", "d").op("utimens", "d", PAST, LATER).expect("ok").op("accessed", "d", "list").expect("ok")
          .op("utimens", "d", FUTURE, LATER).expect("ok").op("accessed", "d", "list").expect("ok")
          .build());
    }
    return all;
  }
}
