package dev.lamina.difftest;

import static dev.lamina.difftest.Scenario.named;

import java.util.List;

/**
 * Directory renames with {@code redirect_dir=on}: merged and lower directories move, the upper dir records
 * {@code trusted.overlay.redirect} (compared in the upper snapshot), and everything done inside a moved
 * directory afterwards sees its lower contents. The upper dir is also read back by the kernel as a lower
 * layer ({@link ScenarioRun}), so lamina's redirects must mean to the kernel what the kernel's own mean.
 */
final class RedirectScenarios {

  static final String REDIRECT = "redirect_dir=on";

  private RedirectScenarios() {}

  static List<Scenario> all() {
    return List.of(
        named("redirect_rename_lower_dir", "a lower-only dir renamed in its parent: a relative redirect")
            .mountOptions(REDIRECT)
            .op("rename", "dlow", "dlow2").expect("ok").op("listdir", "dlow2").op("listdir", "dlow2/inner")
            .op("read", "dlow2/inner/deep").op("lstat", "dlow").expect("ENOENT").op("listdir", ".")
            .op("stat", "dlow2").build(),
        named("redirect_rename_merged_dir_then_contents", "a merged dir renamed, then its contents changed")
            .mountOptions(REDIRECT)
            .op("rename", "d1", "d1x").expect("ok").op("listdir", "d1x").op("read", "d1x/f1")
            .op("read", "d1x/ftop").op("create", "d1x/new", "new").op("unlink", "d1x/f2").expect("ok")
            .op("rename", "d1x/sub", "d1x/sub2").expect("ok").op("listdir", "d1x/sub2")
            .op("read", "d1x/sub2/g").op("chmod", "d1x/f1", "0600").op("listdir", "d1x")
            .op("stat", "d1x").op("getxattr", "d1x", "user.dirattr").build(),
        named("redirect_rename_across_dirs", "a lower dir moved into another merged dir: an absolute redirect")
            .mountOptions(REDIRECT)
            .op("rename", "d1/sub", "merged/sub").expect("ok").op("listdir", "merged/sub")
            .op("read", "merged/sub/g").op("listdir", "d1").op("listdir", "merged")
            .op("rename", "merged/sub", "dlow/inner/s2").expect("ok").op("listdir", "dlow/inner/s2")
            .build(),
        named("redirect_rename_back_and_forth", "renamed away, back, into a subdir and out again")
            .mountOptions(REDIRECT)
            .op("rename", "dlow", "x").expect("ok").op("rename", "x", "dlow").expect("ok")
            .op("listdir", "dlow").op("rename", "dlow", "merged/dl").expect("ok")
            .op("rename", "merged/dl", "dlow3").expect("ok").op("listdir", "dlow3/inner")
            .op("read", "dlow3/inner/deep").op("listdir", "merged").op("listdir", ".").build(),
        named("redirect_rename_parent_of_moved_dir", "a dir moved out of a dir that is then renamed")
            .mountOptions(REDIRECT)
            .op("rename", "dlow/inner", "dlow/inner2").expect("ok").op("rename", "dlow", "dl").expect("ok")
            .op("rename", "dl/inner2", "merged/in").expect("ok").op("listdir", "merged/in")
            .op("read", "merged/in/deep").op("listdir", "dl").build(),
        named("redirect_rename_onto_whiteout_and_empty_dir", "onto an empty lower dir and a whited-out name")
            .mountOptions(REDIRECT)
            .op("rename", "dlow", "emptylow").expect("ok").op("listdir", "emptylow")
            .op("listdir", "emptylow/inner").op("rename", "d1", "wdir").expect("ok").op("listdir", "wdir")
            .op("rename", "merged", "opq").expect("ENOTEMPTY").op("listdir", ".").build(),
        named("redirect_rmdir_after_rename", "emptying and removing a moved dir, then a new one at its old name")
            .mountOptions(REDIRECT)
            .op("rename", "dlow", "dl2").expect("ok").op("rmdir", "dl2").expect("ENOTEMPTY")
            .op("unlink", "dl2/inner/deep").expect("ok").op("rmdir", "dl2/inner").expect("ok")
            .op("rmdir", "dl2").expect("ok").op("lstat", "dl2").expect("ENOENT").op("mkdir", "dlow")
            .expect("ok").op("listdir", "dlow").op("mkdir", "dl2").expect("ok").op("listdir", "dl2")
            .op("listdir", ".").build(),
        named("redirect_rename_exchange", "RENAME_EXCHANGE of two merged dirs")
            .mountOptions(REDIRECT)
            .op("rename", "d1", "merged", NamespaceScenarios.RENAME_EXCHANGE).expect("ok")
            .op("listdir", "d1").op("listdir", "merged").op("read", "d1/t1").op("read", "merged/ftop")
            .build(),
        named("redirect_rename_opaque_and_upper_dirs", "an opaque lower dir and a new dir moved together")
            .mountOptions(REDIRECT)
            .op("rename", "opq", "opq2").expect("ok").op("listdir", "opq2").op("mkdir", "n")
            .op("create", "n/f", "f").op("rename", "n", "opq2/n").expect("ok").op("rename", "opq2", "d1/o")
            .expect("ok").op("listdir", "d1/o").op("listdir", "d1/o/n").build(),
        named("redirect_files_into_moved_dir", "files moved into and out of a moved dir; links inside it")
            .mountOptions(REDIRECT)
            .op("rename", "many", "m2").expect("ok").op("rename", "topfile", "m2/top").expect("ok")
            .op("rename", "m2/e00", "e00").expect("ok").op("link", "m2/e01", "m2/e01b").expect("ok")
            .op("symlink", "e02", "m2/l").op("read", "m2/l").op("listdir", "m2").op("read", "e00")
            .build());
  }
}
