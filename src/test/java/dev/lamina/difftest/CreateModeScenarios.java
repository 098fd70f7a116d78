package dev.lamina.difftest;

import static dev.lamina.difftest.Scenario.named;

import java.util.ArrayList;
import java.util.List;

/**
 * Scenarios about the mode and group of new entries: the caller's umask, a directory's default ACL (which
 * decides instead of the umask, and is inherited), and a setgid directory (xfstests generic/099 and friends).
 */
final class CreateModeScenarios {

  /** The default ACL u::r-x g::r-- o::--- (setfacl -m d:u::r-x,d:g::r--,d:o::---). */
  static final List<List<Object>> ACL = List.of(List.of("u", 5), List.of("g", 4), List.of("o", 0));
  /** With a named user and a mask: u::rwx u:1234:rwx g::r-x m::r-x o::r--. */
  static final List<List<Object>> ACL_MASK = List.of(List.of("u", 7), List.of("U", 1234, 7), List.of("g", 5),
      List.of("m", 5), List.of("o", 4));

  private CreateModeScenarios() {}

  static List<Scenario> all() {
    List<Scenario> all = new ArrayList<>();
    for (String umask : List.of("0", "022", "0722")) {
      all.add(named("newmode_umask_" + umask, "create, mkdir, mknod at umask " + umask + " (no ACL)")
          .op("umask", umask).op("mkdir", "u", "0777").expect("ok").op("create", "u/f", "x", "0666")
          .op("mkdir", "u/s", "0777").op("mkfifo", "u/p", "0666").op("mknod", "u/c", "chr", 1, 3, "0666")
          .op("lstat", "u").op("lstat", "u/f").op("lstat", "u/s").op("lstat", "u/p").op("lstat", "u/c")
          .build());
      all.add(named("newmode_defacl_" + umask, "under a dir with a default ACL at umask " + umask)
          .op("mkdir", "d", "0755").op("setdefacl", "d", ACL).expect("ok").op("umask", umask)
          .op("create", "d/f", "x", "0666").expect("ok").op("mkdir", "d/s", "0777").expect("ok")
          .op("mkfifo", "d/p", "0666").expect("ok").op("mknod", "d/c", "chr", 1, 3, "0666").expect("ok")
          .op("lstat", "d/f").op("lstat", "d/s").op("lstat", "d/p").op("lstat", "d/c")
          .op("acl", "d/f").op("acl", "d/s").op("acl", "d/c").op("create", "d/s/g", "y", "0777")
          .op("lstat", "d/s/g").op("acl", "d/s/g").build());
    }
    all.add(named("newmode_defacl_mask", "a default ACL with a named user and a mask, umask 077")
        .op("umask", "077").op("mkdir", "d", "0755").op("setdefacl", "d", ACL_MASK).expect("ok")
        .op("create", "d/f", "x", "0666").op("mkdir", "d/s", "0777").op("lstat", "d/f").op("lstat", "d/s")
        .op("acl", "d/f").op("acl", "d/s").build());
    all.add(named("newmode_defacl_merged_dir", "a default ACL on a merged dir, then create over a whiteout")
        .op("umask", "022").op("setdefacl", "d1", ACL).expect("ok").op("create", "d1/new", "x", "0666")
        .op("unlink", "d1/f1").expect("ok").op("create", "d1/f1", "y", "0666").expect("ok")
        .op("lstat", "d1/new").op("lstat", "d1/f1").op("acl", "d1/new").op("acl", "d1/f1").build());
    all.add(named("newmode_setgid_dir", "create, mkdir, mknod in a setgid dir owned by another group")
        .op("umask", "022").op("mkdir", "g", "0777").op("chown", "g", 0, 4321).op("chmod", "g", "2775")
        .expect("ok").op("create", "g/f", "x", "0666").op("mkdir", "g/s", "0777").expect("ok")
        .op("mkfifo", "g/p", "0666").op("mkdir", "g/s/t", "0700").op("lstat", "g/f").op("lstat", "g/s")
        .op("lstat", "g/p").op("lstat", "g/s/t").build());
    all.add(named("newmode_setgid_merged_dir", "mkdir and create in a lower dir made setgid")
        .op("umask", "0").op("chown", "d1", 0, 4321).op("chmod", "d1", "2770").expect("ok")
        .op("mkdir", "d1/s", "0755").op("create", "d1/s/f", "x", "0644").op("lstat", "d1/s")
        .op("lstat", "d1/s/f").build());
    return all;
  }
}
