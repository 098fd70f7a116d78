package dev.lamina.difftest;

import static dev.lamina.difftest.Scenario.named;

import java.util.List;

/**
 * O_TMPFILE (xfstests generic/004, 389, 530, 531): an unnamed file made in a directory of the mount, written and
 * fstat()ed through its descriptor (nlink 0), then named with linkat(2) through /proc/self/fd (AT_SYMLINK_FOLLOW)
 * or with AT_EMPTY_PATH; kernel overlayfs makes it in the upper instance of the directory (copying up a lower
 * one), refuses to name one opened with O_EXCL, and names it over a whiteout like any new name. fchmod of such a
 * file (and of one unlinked while open) reaches the server without a handle.
 */
final class TmpfileScenarios {

  static final List<String> RDWR = List.of("O_RDWR");

  private TmpfileScenarios() {}

  static List<Scenario> all() {
    return List.of(
        named("tmpfile_write_fstat_link", "O_TMPFILE in a merged lower dir: write, fstat, link, write more, unlink")
            .op("tmpfile", "h", "d1", RDWR, "0640").expect("ok").op("fwrite", "h", "hello", 0).expect("ok")
            .op("fstat", "h").expect("ok").op("flink", "h", "d1/named").expect("ok").op("stat", "d1/named")
            .expect("ok").op("fstat", "h").op("fwrite", "h", " more", 5).expect("ok").op("read", "d1/named")
            .op("stat", "d1/named").op("ftruncate", "h", 3).expect("ok").op("stat", "d1/named")
            .op("close", "h").op("read", "d1/named").op("unlink", "d1/named").expect("ok")
            .op("lstat", "d1/named").expect("ENOENT").build(),
        named("tmpfile_excl_not_linkable", "O_TMPFILE|O_EXCL may not be linked (ENOENT); closed, it leaves nothing")
            .op("tmpfile", "h", ".", List.of("O_RDWR", "O_EXCL"), "0600").expect("ok").op("fwrite", "h", "x", 0)
            .op("fstat", "h").op("flink", "h", "x").expect("ENOENT").op("close", "h").op("lstat", "x")
            .expect("ENOENT").build(),
        named("tmpfile_lower_only_dir", "O_TMPFILE in a lower-only nested dir copies up its parents; AT_EMPTY_PATH")
            .op("tmpfile", "h", "dlow/inner", List.of("O_WRONLY"), "0644").expect("ok").op("close", "h")
            .op("tmpfile", "h2", "dlow", RDWR, "0600").expect("ok").op("fwrite", "h2", "e", 0)
            .op("flink_empty", "h2", "dlow/e").expect("ok").op("close", "h2").op("stat", "dlow/e")
            .op("read", "dlow/e").op("listdir", "dlow").build(),
        named("tmpfile_link_over_whiteout", "naming a tmpfile where a lower file was removed; EEXIST on a shown name")
            .op("unlink", "lowfile").expect("ok").op("tmpfile", "h", ".", List.of("O_WRONLY"), "0644").expect("ok")
            .op("fwrite", "h", "new", 0).op("flink", "h", "topfile").expect("EEXIST").op("flink", "h", "lowfile")
            .expect("ok").op("close", "h").op("read", "lowfile").op("stat", "lowfile").op("listdir", ".").build(),
        named("tmpfile_mode_and_errors", "the umask masks a tmpfile's mode; O_RDONLY and a file as dir are refused")
            .op("umask", "027").op("tmpfile", "h", ".", RDWR, "0666").expect("ok").op("fstat", "h").expect("ok")
            .op("fchmod", "h", "0604").expect("ok").op("fstat", "h").op("flink", "h", "m").expect("ok")
            .op("close", "h").op("stat", "m").op("tmpfile", "h2", ".", List.of("O_RDONLY"), "0644")
            .expect("EINVAL").op("tmpfile", "h3", "topfile", RDWR, "0644").expect("ENOTDIR")
            .op("tmpfile", "h4", "nothere", RDWR, "0644").expect("ENOENT").build(),
        named("nameless_fchmod_ftruncate", "fchmod and ftruncate of a file unlinked while open (lower and upper)")
            .op("create", "a", "abcdef").op("open", "h", "a", RDWR).op("unlink", "a").expect("ok")
            .op("fchmod", "h", "0600").expect("ok").op("ftruncate", "h", 2).expect("ok").op("fstat", "h")
            .expect("ok").op("close", "h").op("open", "h2", "lowfile", RDWR).expect("ok").op("unlink", "lowfile")
            .op("fchmod", "h2", "0640").expect("ok").op("fstat", "h2").op("close", "h2").build());
  }
}
