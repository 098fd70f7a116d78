package dev.lamina.difftest;

import static dev.lamina.difftest.Scenario.named;

import java.util.List;

/**
 * Scenarios about one inode seen through several names or handles: every name of a hard link shows the same
 * attributes at once after a link, a write, an fallocate, a truncate, a chmod or an unlink through another
 * (pjdfstest link/00.t, xfstests generic/002), and an open directory replaced by a rename still fstat()s
 * (xfstests generic/035). {@code statall} reports which attributes differ between names: none may.
 */
final class LinkScenarios {

  static final int FALLOC_FL_KEEP_SIZE = 0x01;
  static final int FALLOC_FL_ZERO_RANGE = 0x10;
  static final List<String> RDWR = List.of("O_RDWR");

  private LinkScenarios() {}

  static List<Scenario> all() {
    return List.of(
        named("hardlink_stat_every_name", "link(2) twice, across dirs: every name shows the new nlink and ctime")
            .op("create", "u", "data").op("link", "u", "u2").expect("ok").op("statall", List.of("u", "u2"))
            .op("link", "u2", "d1/u3").expect("ok").op("statall", List.of("u", "u2", "d1/u3"))
            .op("unlink", "u").expect("ok").op("statall", List.of("u2", "d1/u3"))
            .op("rename", "u2", "u4").expect("ok").op("statall", List.of("u4", "d1/u3"))
            .op("create", "other", "o").op("rename", "other", "d1/u3").expect("ok").op("lstat", "u4")
            .build(),
        named("hardlink_special_files", "links to a fifo, a char device and a symlink count on every name")
            .op("mkfifo", "f", "0644").op("link", "f", "f2").expect("ok").op("statall", List.of("f", "f2"))
            .op("mknod", "c", "chr", 1, 3, "0644").op("link", "c", "c2").expect("ok")
            .op("statall", List.of("c", "c2")).op("symlink", "nowhere", "s").op("link", "s", "s2")
            .expect("ok").op("statall", List.of("s", "s2")).op("unlink", "f2").op("lstat", "f").build(),
        named("hardlink_lower_file_every_name", "link(2) to a lower file: both names are the copied-up inode")
            .op("link", "lowfile", "lf2").expect("ok").op("statall", List.of("lowfile", "lf2"))
            .op("append", "lf2", "more").expect("ok").op("statall", List.of("lowfile", "lf2"))
            .op("read", "lowfile").build(),
        named("hardlink_change_through_one_name",
            "fallocate, write, truncate and chmod through one name show through the other at once")
            .op("create", "a", "123456").op("link", "a", "b").expect("ok").op("statall", List.of("a", "b"))
            .op("open", "h", "b", RDWR).expect("ok")
            .op("fallocate", "h", FALLOC_FL_ZERO_RANGE, 100, 1000).expect("ok")
            .op("statall", List.of("a", "b")).op("fallocate", "h", FALLOC_FL_KEEP_SIZE, 0, 65536).expect("ok")
            .op("statall", List.of("a", "b")).op("fwrite", "h", "tail", 5000).expect("ok")
            .op("statall", List.of("a", "b")).op("read", "a").op("ftruncate", "h", 10).expect("ok")
            .op("statall", List.of("a", "b")).op("close", "h").op("truncate", "a", 3).expect("ok")
            .op("statall", List.of("a", "b")).op("read", "b").op("chmod", "b", "0600").expect("ok")
            .op("statall", List.of("a", "b")).op("pwrite", "a", "XY", 1).expect("ok").op("read", "b")
            .build(),
        named("hardlink_in_layer_write_one", "a lower hard link: writing one name leaves the other as it was")
            .op("statall", List.of("hl1", "hl2")).op("append", "hl2", "+").expect("ok")
            .op("stat", "hl1").op("stat", "hl2").op("read", "hl1").op("read", "hl2").build(),
        named("hardlink_in_layer_copy_up_one",
            "writing one name of a lower hard link makes it an inode of its own at once: nlink 1, its own number")
            .op("stat", "hl1").op("stat", "hl2").op("append", "hl1", "!").expect("ok").op("stat", "hl1")
            .op("stat", "hl2").op("sameinoas", "hl1", "hl2").op("link", "hl1", "hl3").expect("ok")
            .op("statall", List.of("hl1", "hl3")).op("sameinoas", "hl2", "hl3").build(),
        named("fstat_dir_renamed_over", "fstat of an open directory after another was renamed over it")
            .op("mkdir", "x").op("mkdir", "y").op("open", "h", "y", List.of("O_RDONLY", "O_DIRECTORY"))
            .expect("ok").op("rename", "x", "y").expect("ok").op("fstat", "h").expect("ok").op("close", "h")
            .op("open", "h2", "emptylow", List.of("O_RDONLY", "O_DIRECTORY")).op("mkdir", "z")
            .op("rename", "z", "emptylow").expect("ok").op("fstat", "h2").expect("ok").op("close", "h2")
            .build(),
        named("fstat_dir_removed", "fstat of an open directory after rmdir, and of the cwd")
            .op("mkdir", "x").op("open", "h", "x", List.of("O_RDONLY", "O_DIRECTORY")).op("rmdir", "x")
            .expect("ok").op("fstat", "h").expect("ok").op("close", "h").build(),
        named("fstat_file_renamed_over", "fstat of an open file after another was renamed over it")
            .op("create", "p", "p").op("create", "q", "qq").op("open", "h", "q", List.of("O_RDONLY"))
            .op("rename", "p", "q").expect("ok").op("fstat", "h").expect("ok").op("close", "h").build());
  }
}
