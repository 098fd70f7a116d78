package dev.lamina.difftest;

import static dev.lamina.difftest.FsDriver.sub;
import static dev.lamina.difftest.Scenario.named;

import java.util.ArrayList;
import java.util.List;

/** Scenarios about names: rename, unlink, rmdir, mkdir, opaque dirs, long names, deep paths, readdir. */
final class NamespaceScenarios {

  static final int RENAME_NOREPLACE = 1;
  static final int RENAME_EXCHANGE = 2;

  private NamespaceScenarios() {}

  static List<Scenario> all() {
    List<Scenario> all = new ArrayList<>(List.of(
        named("rename_lower_file", "rename a lower file: copy-up, then a whiteout at the old name")
            .op("rename", "lowfile", "moved").expect("ok").op("read", "moved").op("lstat", "lowfile")
            .expect("ENOENT").op("listdir", ".").build(),
        named("rename_upper_file", "rename a file that exists only in the upper dir")
            .op("create", "a", "a").op("rename", "a", "b").expect("ok").op("listdir", ".").build(),
        named("rename_over_existing", "rename over an existing lower file replaces it")
            .op("rename", "topfile", "lowfile").expect("ok").op("read", "lowfile").op("stat", "lowfile")
            .op("lstat", "topfile").expect("ENOENT").build(),
        named("rename_across_dirs", "move a lower file from one merged dir to another")
            .op("rename", "d1/f1", "merged/f1").expect("ok").op("listdir", "d1").op("listdir", "merged")
            .op("read", "merged/f1").build(),
        named("rename_noreplace", "RENAME_NOREPLACE over existing, fresh and whited-out names")
            .op("rename", "topfile", "lowfile", RENAME_NOREPLACE).expect("EEXIST")
            .op("rename", "topfile", "fresh", RENAME_NOREPLACE).expect("ok")
            .op("rename", "shadow", "gone", RENAME_NOREPLACE).expect("ok").op("read", "gone").build(),
        named("rename_exchange", "RENAME_EXCHANGE of a lower and a top file")
            .op("rename", "lowfile", "topfile", RENAME_EXCHANGE).expect("ok").op("read", "lowfile")
            .op("read", "topfile").op("rename", "lowfile", "missing", RENAME_EXCHANGE).expect("ENOENT")
            .build(),
        named("rename_exchange_upper_dirs", "RENAME_EXCHANGE of two pure-upper directories")
            .op("mkdir", "x").op("create", "x/in_x", "1").op("mkdir", "y")
            .op("rename", "x", "y", RENAME_EXCHANGE).expect("ok").op("listdir", "y").op("listdir", "x")
            .build(),
        named("rename_upper_dir", "a pure-upper directory can be renamed")
            .op("mkdir", "nd").op("create", "nd/x", "x").op("rename", "nd", "nd2").expect("ok")
            .op("listdir", "nd2").op("rename", "nd2", "d1/nd3").expect("ok").op("read", "d1/nd3/x")
            .build(),
        named("rename_lower_dir_exdev", "renaming a dir that has lower parts gives EXDEV (redirect_dir=off)")
            .op("rename", "dlow", "dlow2").expect("EXDEV").op("rename", "emptylow", "e2").expect("EXDEV")
            .op("rename", "merged", "m2").expect("EXDEV").op("rename", "d1/sub", "sub2").expect("EXDEV")
            .op("listdir", "dlow").build(),
        named("rename_dir_errors", "rename errors: file over dir, dir over file, dir into itself")
            .op("rename", "topfile", "d1").expect("EISDIR").op("rename", "d1", "topfile")
            .expect("ENOTDIR").op("mkdir", "nd").op("rename", "nd", "nd/sub").expect("EINVAL")
            .op("rename", "nd", "merged").expect("ENOTEMPTY").op("rename", "nope", "x")
            .expect("ENOENT").build(),
        named("rename_upper_dir_over_empty_lower_dir", "a new dir renamed over an empty lower dir")
            .op("mkdir", "c").op("create", "c/f", "f").op("rename", "c", "emptylow").expect("ok")
            .op("listdir", "emptylow").build(),
        named("rename_into_opaque_and_whiteout", "rename into an opaque dir and onto a whited-out dir name")
            .op("rename", "topfile", "opq/old1").expect("ok").op("listdir", "opq")
            .op("rename", "shadow", "wdir").expect("ok").op("read", "wdir").build(),
        named("unlink_lower_file", "unlink of a lower file leaves a whiteout")
            .op("unlink", "lowfile").expect("ok").op("lstat", "lowfile").expect("ENOENT")
            .op("listdir", ".").op("unlink", "lnk").expect("ok").op("unlink", "fifo").expect("ok")
            .build(),
        named("unlink_upper_file", "unlink of a file created on the mount leaves nothing")
            .op("create", "u", "u").op("unlink", "u").expect("ok").op("lstat", "u").expect("ENOENT")
            .build(),
        named("unlink_shadowed", "unlink of a file present in both layers hides both")
            .op("unlink", "shadow").expect("ok").op("lstat", "shadow").expect("ENOENT")
            .op("unlink", "merged/both").expect("ok").op("listdir", "merged").build(),
        named("unlink_errors", "unlink of dirs, whited-out, missing and not-dir paths")
            .op("unlink", "d1").expect("EISDIR").op("unlink", "gone").expect("ENOENT")
            .op("unlink", "d1/nope").expect("ENOENT").op("unlink", "topfile/x").expect("ENOTDIR")
            .op("unlink", "opq/old1").expect("ENOENT").build(),
        named("unlink_then_recreate", "a recreated name does not inherit the lower file's metadata")
            .op("unlink", "lowfile").op("create", "lowfile", "new").expect("ok")
            .op("listxattr", "lowfile").op("stat", "lowfile").build(),
        named("rmdir_lower_empty", "rmdir of an empty lower dir, then mkdir again")
            .op("rmdir", "emptylow").expect("ok").op("lstat", "emptylow").expect("ENOENT")
            .op("mkdir", "emptylow").expect("ok").op("listdir", "emptylow").build(),
        named("rmdir_nonempty", "rmdir of non-empty merged, lower and opaque dirs; of a file")
            .op("rmdir", "merged").expect("ENOTEMPTY").op("rmdir", "d1/sub").expect("ENOTEMPTY")
            .op("rmdir", "opq").expect("ENOTEMPTY").op("rmdir", "topfile").expect("ENOTDIR")
            .op("rmdir", "gone").expect("ENOENT").build(),
        named("rmdir_after_emptying_merged", "a merged dir whose entries are all whited out is empty")
            .op("unlink", "merged/b1").op("unlink", "merged/t1").op("unlink", "merged/both")
            .op("listdir", "merged").op("rmdir", "merged").expect("ok").op("lstat", "merged")
            .expect("ENOENT").build(),
        named("rmdir_mkdir_opaque", "rmdir of a lower tree then mkdir gives an empty (opaque) dir")
            .op("unlink", "dlow/inner/deep").op("rmdir", "dlow/inner").expect("ok")
            .op("rmdir", "dlow").expect("ok").op("mkdir", "dlow").expect("ok").op("listdir", "dlow")
            .op("mkdir", "dlow/inner").op("listdir", "dlow/inner").build(),
        named("mkdir_over_whiteout", "mkdir over a whited-out lower dir does not show its old entries")
            .op("mkdir", "wdir").expect("ok").op("listdir", "wdir").op("create", "wdir/y", "y")
            .op("listdir", "wdir").build(),
        named("mkdir_errors", "mkdir over existing entries and under missing parents")
            .op("mkdir", "d1").expect("EEXIST").op("mkdir", "lowfile").expect("EEXIST")
            .op("mkdir", "nope/x").expect("ENOENT").op("mkdir", "lowfile/x").expect("ENOTDIR")
            .op("mkdir", "lnk").expect("EEXIST").build(),
        named("fixture_view", "the merged view of the fixture: whiteouts, opaque dir, shadowing")
            .op("listdir", "opq").op("lstat", "opq/old1").expect("ENOENT").op("lstat", "gone")
            .expect("ENOENT").op("lstat", "wdir").expect("ENOENT").op("read", "merged/both")
            .op("read", "shadow").op("stat", "d1").op("listdir", "d1").build(),
        named("create_wh_names", "names starting with .wh. (kernel: ordinary names)")
            .op("mkdir", "whdir").expect("ok").op("create", "whdir/.wh.foo", "x")
            .op("mkdir", "whdir/.wh.bar").op("create", "whdir/ok", "x").op("listdir", "whdir").build(),
        named("readdir_during_changes", "entries added and removed while a merged dir is being listed")
            .op("readdir_during_changes", "many", 128, List.of(sub("create", "many/n1", "n"),
                sub("unlink", "many/e05"), sub("unlink", "many/t03"), sub("create", "many/n2", "n")))
            .expect("ok").op("listdir", "many").build(),
        named("readdir_seek", "directory offsets stay valid: seek back to a saved d_off, seek to 0")
            .op("readdir_seek", "many", 128).expect("ok").op("readdir_seek", "d1", 64).build(),
        named("readdir_upper_dir_changes", "listing a pure-upper dir while it changes")
            .op("mkdir", "up").op("create", "up/a", "").op("create", "up/b", "").op("create", "up/c", "")
            .op("create", "up/d", "").op("create", "up/e", "").op("create", "up/f", "")
            .op("readdir_during_changes", "up", 96, List.of(sub("unlink", "up/a"), sub("unlink", "up/f"),
                sub("create", "up/g", "")))
            .expect("ok").build()));
    all.add(longNames());
    all.add(deepPaths());
    return all;
  }

  static Scenario longNames() {
    String n255 = "n".repeat(255);
    String n256 = "n".repeat(256);
    return named("long_names", "a 255-byte name works, 256 gives ENAMETOOLONG for every operation")
        .op("create", n255, "x").expect("ok").op("create", n256, "x").expect("ENAMETOOLONG")
        .op("mkdir", "m".repeat(255)).expect("ok").op("mkdir", "m".repeat(256)).expect("ENAMETOOLONG")
        .op("symlink", "x", n256).expect("ENAMETOOLONG").op("rename", "topfile", n256)
        .expect("ENAMETOOLONG").op("rename", "topfile", "t".repeat(255)).expect("ok")
        .op("lstat", n256).expect("ENAMETOOLONG").op("unlink", n255).expect("ok")
        .op("link", "lowfile", "l".repeat(256)).expect("ENAMETOOLONG").build();
  }

  /** 20 levels of 200-byte names: 4019 bytes; a file path of 4095 bytes works, 4096 does not. */
  static Scenario deepPaths() {
    Scenario.Builder b = named("deep_paths", "paths up to PATH_MAX inside the mount (backing path longer)");
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      p.append(i == 0 ? "" : "/").append((char) ('a' + i)).append("d".repeat(199));
      b.op("mkdir", p.toString()).expect("ok");
    }
    String dir = p.toString();
    String ok = dir + "/" + "f".repeat(4095 - dir.length() - 1);
    String tooLong = dir + "/" + "g".repeat(4096 - dir.length() - 1);
    return b.op("create", ok, "deep").expect("ok").op("read", ok).op("create", tooLong, "x")
        .expect("ENAMETOOLONG").op("rename", ok, "shallow").expect("ok").op("read", "shallow")
        .op("symlink", "../".repeat(20) + "shallow", dir + "/s").expect("ok").op("read", dir + "/s").build();
  }
}
