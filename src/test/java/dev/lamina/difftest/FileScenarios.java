package dev.lamina.difftest;

import static dev.lamina.difftest.Scenario.named;

import java.util.List;

/** Scenarios about file data and metadata: create, write, truncate, chmod/chown/utimens, xattrs, links. */
final class FileScenarios {

  static final long T1 = 1_400_000_000_111_111_111L;
  static final long T2 = 1_400_000_001_222_222_222L;
  static final List<String> RDWR = List.of("O_RDWR");

  private FileScenarios() {}

  static List<Scenario> all() {
    return List.of(
        named("create_file", "create a new file at the root")
            .op("create", "new", "hello", "0640").expect("ok").op("stat", "new").op("read", "new")
            .build(),
        named("create_in_merged_dir", "create inside a dir present in both layers")
            .op("create", "d1/newf", "n").expect("ok").op("listdir", "d1").build(),
        named("create_excl_existing", "O_EXCL on lower and shadowed files")
            .op("create", "lowfile", "x").expect("EEXIST").op("create", "shadow", "x").expect("EEXIST")
            .op("create", "d1/f1", "x").expect("EEXIST").build(),
        named("create_over_whiteout", "create a name whited out in the top layer")
            .op("lstat", "gone").expect("ENOENT").op("create", "gone", "again").expect("ok")
            .op("read", "gone").op("listdir", ".").build(),
        named("pwrite_lower_file", "write in the middle of a lower file: copy-up keeps owner, xattrs, rest")
            .op("pwrite", "lowfile", "LOWER", 0).expect("ok").op("read", "lowfile").op("stat", "lowfile")
            .build(),
        named("append_lower_file", "O_APPEND write to a lower file")
            .op("append", "lowfile", "more\n").expect("ok").op("read", "lowfile").build(),
        named("write_shadowed_file", "append to a file present in both layers: the top one is copied up")
            .op("append", "shadow", "+").expect("ok").op("read", "shadow").op("stat", "shadow").build(),
        named("truncate_path", "truncate(2) shrink and sparse extend of a lower file")
            .op("truncate", "lowfile", 5).expect("ok").op("read", "lowfile")
            .op("truncate", "lowfile", 100_000).expect("ok").op("stat", "lowfile").op("read", "lowfile")
            .op("truncate", "nope", 1).expect("ENOENT").op("truncate", "d1", 0).expect("EISDIR").build(),
        named("truncate_fd", "ftruncate(2) on a write-opened lower file, then write past the end")
            .op("open", "h", "lowfile", RDWR).expect("ok").op("ftruncate", "h", 3).expect("ok")
            .op("fstat", "h").op("fwrite", "h", "XY", 10).op("fread", "h").op("close", "h")
            .op("read", "lowfile").build(),
        named("open_trunc_big", "O_TRUNC open of a 1 MiB lower file")
            .op("open", "h", "big", List.of("O_WRONLY", "O_TRUNC")).expect("ok")
            .op("fwrite", "h", "short", 0).op("close", "h").op("stat", "big").op("read", "big").build(),
        named("big_file_copy_up", "patch the middle of a 1 MiB lower file")
            .op("pwrite", "big", "patch", 500_000).expect("ok").op("read", "big").op("stat", "big").build(),
        named("chmod_lower", "chmod of lower files (incl. setuid) and of a merged dir")
            .op("chmod", "lowfile", "0600").expect("ok").op("stat", "lowfile")
            .op("chmod", "exec", "4755").expect("ok").op("stat", "exec")
            .op("chmod", "d1", "0700").expect("ok").op("stat", "d1").op("chmod", "gone", "0600")
            .expect("ENOENT").build(),
        named("chown_lower", "chown of lower files, one id at a time too")
            .op("chown", "lowfile", 1234, 5678).expect("ok").op("stat", "lowfile")
            .op("chown", "d1/f2", -1, 4321).expect("ok").op("stat", "d1/f2")
            .op("chown", "d1/sub", 42, -1).expect("ok").op("stat", "d1/sub").build(),
        named("lchown_symlink", "lchown changes the link, not its lower target")
            .op("lchown", "lnk", 77, 88).expect("ok").op("lstat", "lnk").op("stat", "lnk").build(),
        named("utimens_ns", "utimensat with nanoseconds on a lower file and a merged dir")
            .op("utimens", "lowfile", T1, T2).expect("ok").op("stattimes", "lowfile")
            .op("utimens", "d1", T2, T1).expect("ok").op("stattimes", "d1").build(),
        named("utimens_symlink_nofollow", "AT_SYMLINK_NOFOLLOW times on a lower symlink")
            .op("utimens", "lnk", T1, T2, false).expect("ok").op("stattimes", "lnk")
            .op("stattimes", "lowfile").build(),
        named("xattr_lower_file", "user.* xattrs: get, set, list, remove on a lower file")
            .op("listxattr", "lowfile").op("getxattr", "lowfile", "user.color").expect("ok")
            .op("setxattr", "lowfile", "user.size", "L").expect("ok").op("listxattr", "lowfile")
            .op("removexattr", "lowfile", "user.color").expect("ok").op("listxattr", "lowfile")
            .op("getxattr", "lowfile", "user.color").expect("ENODATA").build(),
        named("xattr_flags", "XATTR_CREATE on an existing and XATTR_REPLACE on a missing attribute")
            .op("setxattr", "lowfile", "user.color", "red", 1).expect("EEXIST")
            .op("setxattr", "lowfile", "user.new", "v", 2).expect("ENODATA")
            .op("removexattr", "lowfile", "user.none").expect("ENODATA")
            .op("getxattr", "lowfile", "user.color").build(),
        named("xattr_merged_dir", "a merged dir shows the top layer's xattrs; setting one copies it up")
            .op("getxattr", "d1", "user.dirattr").op("setxattr", "d1", "user.k", "v").expect("ok")
            .op("listxattr", "d1").op("getxattr", "dlow/inner", "user.none").expect("ENODATA").build(),
        named("xattr_symlink_fifo", "user.* xattrs are refused on symlinks and fifos")
            .op("setxattr", "lnk", "user.a", "b").expect("EPERM")
            .op("setxattr", "fifo", "user.a", "b").expect("EPERM").op("listxattr", "fifo").build(),
        named("hardlink_lower_file", "link(2) to a lower file copies it up first")
            .op("link", "lowfile", "lf2").expect("ok").op("stat", "lf2").op("sameinoas", "lowfile", "lf2")
            .op("append", "lf2", "x").op("read", "lowfile").build(),
        named("hardlink_in_layer", "two names of one lower inode; writing one (index=off) breaks the link")
            .op("stat", "hl1").op("sameinoas", "hl1", "hl2").op("append", "hl1", "!").expect("ok")
            .op("read", "hl1").op("read", "hl2").op("stat", "hl1").op("stat", "hl2").build(),
        named("hardlink_upper", "links between upper files, unlink one name")
            .op("create", "u", "u").op("link", "u", "u2").expect("ok").op("stat", "u")
            .op("unlink", "u").op("stat", "u2").op("link", "d1", "d1link").expect("EPERM")
            .op("link", "nope", "x").expect("ENOENT").op("link", "u2", "topfile").expect("EEXIST")
            .build(),
        named("symlink_create", "new symlinks, relative and dangling, read through")
            .op("symlink", "topfile", "s1").expect("ok").op("readlink", "s1").op("read", "s1")
            .op("symlink", "d1/../merged/both", "s2").op("read", "s2").op("symlink", "x", "lowfile")
            .expect("EEXIST").op("lstat", "s1").build(),
        named("write_through_lower_symlink", "appending through a lower symlink copies up its target")
            .op("append", "lnk", "via link\n").expect("ok").op("read", "lowfile").op("readlink", "lnk")
            .build(),
        named("dangling_symlink", "open through a dangling symlink; O_CREAT creates the target")
            .op("read", "dangle").expect("ENOENT").op("writefile", "dangle", "made").expect("ok")
            .op("read", "nowhere").op("readlink", "dangle").build(),
        named("fifo_and_devices", "mkfifo, mknod of a char device, chmod of a lower fifo")
            .op("mkfifo", "newfifo", "0600").expect("ok").op("lstat", "newfifo").op("lstat", "fifo")
            .op("chmod", "fifo", "0600").expect("ok").op("lstat", "fifo")
            .op("mknod", "cdev", "chr", 1, 3, "0644").expect("ok").op("lstat", "cdev").build(),
        named("unlink_while_open_upper", "an unlinked upper file stays usable through its fd, nlink 0")
            .op("create", "tmp", "data").op("open", "h", "tmp", RDWR).op("unlink", "tmp").expect("ok")
            .op("fstat", "h").op("fwrite", "h", "more", 4).op("fread", "h").op("close", "h")
            .op("lstat", "tmp").expect("ENOENT").build(),
        named("unlink_while_open_lower", "a lower file unlinked while open for reading stays readable")
            .op("open", "h", "lowfile", List.of("O_RDONLY")).op("unlink", "lowfile").expect("ok")
            .op("fread", "h").op("fstat", "h").op("close", "h").op("lstat", "lowfile").expect("ENOENT").build(),
        named("unlink_while_open_written", "a lower file opened for writing (copied up), then unlinked")
            .op("open", "h", "lowfile", RDWR).op("unlink", "lowfile").expect("ok").op("fstat", "h")
            .op("fwrite", "h", "W", 0).op("fread", "h").op("close", "h").build(),
        named("read_fd_across_copy_up", "an fd opened for reading before a copy-up sees the new data")
            .op("open", "h", "lowfile", List.of("O_RDONLY")).op("fread", "h")
            .op("append", "lowfile", "Z").expect("ok").op("fread", "h").op("fstat", "h")
            .op("close", "h").build(),
        named("inode_stable_copy_up", "inode numbers survive copy-up, rename and lookups")
            .op("saveino", "lowfile", "f").op("saveino", "d1", "d").op("saveino", "topfile", "t")
            .op("chmod", "lowfile", "0600").op("sameino", "lowfile", "f")
            .op("append", "d1/f1", "x").op("sameino", "d1", "d")
            .op("rename", "topfile", "t2").op("sameino", "t2", "t").build(),
        named("fchmod_readonly_fd", "fchmod through a read-only fd of a lower file copies it up")
            .op("open", "h", "lowfile", List.of("O_RDONLY")).op("fchmod", "h", "0444").expect("ok")
            .op("fstat", "h").op("close", "h").op("stat", "lowfile").build(),
        named("sparse_copy_up", "copy-up of a sparse lower file keeps it sparse")
            .op("sparse", "sparse").op("chmod", "sparse", "0600").expect("ok").op("sparse", "sparse")
            .op("read", "sparse").build(),
        named("parallel_append_copy_up", "4 threads append to one lower file at once (racing copy-ups)")
            .op("parallel_append", "lowfile", 4, 50).expect("ok").op("stat", "lowfile").build(),
        named("parallel_copy_up_same_dir", "threads copy up different files of one lower dir at once")
            .op("parallel", List.of(FsDriver.sub("append", "dlow/inner/deep", "1"),
                FsDriver.sub("chmod", "d1/f1", "0600"), FsDriver.sub("append", "d1/sub/g", "3"),
                FsDriver.sub("chown", "d1/f2", 7, 7), FsDriver.sub("setxattr", "d1/sub", "user.p", "4")))
            .expect("ok").build(),
        named("read_does_not_copy_up", "reads, stats and listings leave the upper dir empty")
            .op("read", "lowfile").op("read", "big").op("stat", "shadow").op("listdir", "d1")
            .op("listxattr", "lowfile").op("readlink", "lnk").op("listdir", "many").build());
  }
}
