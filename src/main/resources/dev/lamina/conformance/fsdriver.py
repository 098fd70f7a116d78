#!/usr/bin/env python3
"""Runs a scripted list of filesystem operations and snapshots trees, for lamina's differential suite.

Input (stdin, JSON): {"root": DIR, "steps": [{"op": NAME, "args": [...]}, ...],
                      "snapshot": bool, "upper": DIR or null}
Output (stdout, JSON): {"steps": [{"ok": VALUE} | {"err": "ENOENT"}, ...], "tree": {...}, "upper": {...}}

Every operation is one plain syscall (os.* or libc through ctypes with use_errno), so the errno that the
filesystem under test returned is reported exactly. Paths are relative to ROOT (the driver chdirs there),
so paths close to PATH_MAX inside the mount work even when ROOT itself is long.
"""
import ctypes
import errno
import hashlib
import json
import mmap
import os
import platform
import stat
import struct
import sys

from fssnapshot import digest, merged_entry, snapshot, stat_dict, upper_entry

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
AT_FDCWD = -100
SYS_GETDENTS64 = {"x86_64": 217, "aarch64": 61}.get(platform.machine(), 217)
fds = {}
OVERLAY_XATTR = "trusted.overlay."
saved_inodes = {}
saved_times = {}


def b(path):
    return path.encode("utf-8", "surrogateescape")


def octal(mode):
    """A mode argument: octal digits, as a string ("0644") or a number written without a leading zero (0)."""
    return int(str(mode), 8)


def libc_check(ret, what):
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), what)
    return ret


def data_of(arg):
    """A data argument: a string, or {"pattern": SIZE, "seed": N} for large deterministic contents."""
    if isinstance(arg, dict):
        size, seed = arg["pattern"], arg.get("seed", 0)
        block = hashlib.sha256(str(seed).encode()).digest() * 128  # 4 KiB
        return (block * (size // len(block) + 1))[:size]
    return arg.encode("utf-8")


def read_all(fd, offset=0):
    chunks = []
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def getdents(fd, bufsize):
    """One getdents64 call: [(name, d_off)], empty at end of directory."""
    buf = ctypes.create_string_buffer(bufsize)
    n = libc_check(LIBC.syscall(SYS_GETDENTS64, fd, buf, bufsize), "getdents64")
    out, pos, raw = [], 0, buf.raw
    while pos < n:
        d_off = int.from_bytes(raw[pos + 8:pos + 16], "little", signed=True)
        reclen = int.from_bytes(raw[pos + 16:pos + 18], "little")
        name = raw[pos + 19:pos + reclen].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        out.append((name, d_off))
        pos += reclen
    return out


def read_dir_rest(fd, bufsize):
    names = []
    while True:
        batch = getdents(fd, bufsize)
        if not batch:
            return names
        names.extend(n for n, _ in batch)


def op_readdir_during_changes(path, bufsize, mutations):
    """Lists PATH with small getdents calls, applying MUTATIONS after the first one; reports the invariants
    POSIX gives (each entry present throughout is returned exactly once, nothing never present appears)."""
    before = set(os.listdir(path))
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        seen = [n for n, _ in getdents(fd, bufsize)]
        for m in mutations:
            run_step(m)
        seen += read_dir_rest(fd, bufsize)
    finally:
        os.close(fd)
    after = set(os.listdir(path))
    names = [n for n in seen if n not in (".", "..")]
    dups = sorted({n for n in names if names.count(n) > 1})
    return {"duplicates": dups, "missing_stable": sorted((before & after) - set(names)),
            "never_existed": sorted(set(names) - before - after)}


def op_readdir_rewind(path, mutations):
    """Lists PATH to the end, applies MUTATIONS, rewinds (lseek 0, as rewinddir(3)) and lists it again: POSIX
    wants the names added before the rewind in the second listing (xfstests generic/471)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        read_dir_rest(fd, 4096)
        for m in mutations:
            run_step(m)
        os.lseek(fd, 0, os.SEEK_SET)
        return sorted(n for n in read_dir_rest(fd, 4096) if n not in (".", ".."))
    finally:
        os.close(fd)


def op_readdir_after_open(path, mutations):
    """Opens PATH, applies MUTATIONS, then lists it from that descriptor: the names made between opendir and the
    first readdir show, as the kernel lists at the first getdents (xfstests generic/471's rewinddir-test)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for m in mutations:
            run_step(m)
        return sorted(n for n in read_dir_rest(fd, 4096) if n not in (".", ".."))
    finally:
        os.close(fd)


def op_readdir_seek(path, bufsize):
    """Reads one small batch, remembers the last d_off, reads the rest, seeks back and reads again:
    both tails must be equal (offsets are stable); then seeks to 0 and checks the full listing."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        first = getdents(fd, bufsize)
        tail1 = read_dir_rest(fd, bufsize)
        os.lseek(fd, first[-1][1], os.SEEK_SET)
        tail2 = read_dir_rest(fd, bufsize)
        os.lseek(fd, 0, os.SEEK_SET)
        full = read_dir_rest(fd, bufsize)
    finally:
        os.close(fd)
    return {"tail_equal": tail1 == tail2, "tail_len": len(tail1),
            "full": sorted(n for n in full if n not in (".", ".."))}


def op_parallel_append(path, threads, writes):
    """Each thread appends its own letter in 100-byte chunks; the result counts the letters, which is
    order-independent: with O_APPEND no write may be lost or overwritten, even during the copy-up."""
    def worker(i):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            for _ in range(writes):
                os.write(fd, bytes([65 + i]) * 100)
        finally:
            os.close(fd)
    run_threads([lambda i=i: worker(i) for i in range(threads)])
    with open(path, "rb") as f:
        data = f.read()
    return {"size": len(data), "counts": {chr(65 + i): data.count(bytes([65 + i])) for i in range(threads)}}


def op_statall(paths):
    """lstat of every path: the first one's attributes, and which fields differ between
    them (ino, nlink, size, blocks, mode, owner, and exact atime, mtime and ctime)."""
    sts = [os.lstat(p) for p in paths]
    fields = ("st_ino", "st_nlink", "st_size", "st_blocks", "st_mode", "st_uid", "st_gid",
              "st_atime_ns", "st_mtime_ns", "st_ctime_ns")
    differ = sorted(f for f in fields if len({getattr(st, f) for st in sts}) > 1)
    return {"first": stat_dict(sts[0]), "differ": differ}


def op_accessed(path, how):
    """Reads the file (or lists the directory) at path and tells which of its times that changed."""
    before = os.lstat(path)
    if how == "list":
        os.listdir(path)
    else:
        fd = os.open(path, os.O_RDONLY | (os.O_NOATIME if how == "read_noatime" else 0))
        try:
            read_all(fd)
        finally:
            os.close(fd)
    after = os.lstat(path)
    return {t: "changed" if getattr(after, "st_%s_ns" % t) != getattr(before, "st_%s_ns" % t) else "same"
            for t in ("atime", "mtime", "ctime")}


def op_longpath(dirs, name_len):
    """Makes DIRS nested directories and a file in them, each name NAME_LEN bytes, every call given the whole
    relative path (like pjdfstest's */03.t); stats, chmods and renames the file, then removes it all."""
    names = ["%s%d" % ("x" * (name_len - len(str(i))), i) for i in range(dirs + 1)]
    path = ""
    for n in names[:-1]:
        path = path + n + "/"
        os.mkdir(path)
    f = path + names[-1]
    fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.close(fd)
    os.chmod(f, 0o600)
    mode = "%04o" % stat.S_IMODE(os.lstat(f).st_mode)
    g = path + names[-1][:-1] + "z"
    os.rename(f, g)
    os.link(g, f)
    nlink = os.lstat(f).st_nlink
    os.unlink(f)
    os.unlink(g)
    while path:
        os.rmdir(path)
        path = path[:path[:-1].rfind("/") + 1]
    return {"length": len(f), "mode": mode, "nlink": nlink}


def op_as(uid, gid, groups, steps):
    """Runs the steps in a child process with these ids (setgroups, setgid, setuid: as root, the child then
    has no capabilities), so the file system sees another caller; the steps' results come back in order."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            out = [run_step(s) for s in steps]
        except OSError as e:
            out = {"err": errno.errorcode.get(e.errno, str(e.errno))}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    out = json.loads(data)
    if isinstance(out, dict):  # the ids could not be taken (not root)
        raise OSError(getattr(errno, out["err"], errno.EPERM), "as %d:%d" % (uid, gid))
    return out


def op_parallel(steps):
    results = [None] * len(steps)

    def worker(i):
        results[i] = run_step(steps[i])
    run_threads([lambda i=i: worker(i) for i in range(len(steps))])
    return results


def run_threads(fns):
    import threading
    start = threading.Barrier(len(fns))
    errors = []

    def body(fn):
        start.wait()
        try:
            fn()
        except OSError as e:
            errors.append(e)
    ts = [threading.Thread(target=body, args=(fn,)) for fn in fns]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


STATX_MTIME, STATX_CTIME, AT_SYMLINK_NOFOLLOW = 0x40, 0x80, 0x100


def statx_mtime_ctime(path):
    """(mtime, ctime) in ns by statx(2) asking for those two only, as `stat -c '%Y %Z'` does: a FUSE kernel
    may answer such a mask from its cache where a full stat (atime included) would ask the server."""
    buf = ctypes.create_string_buffer(256)
    libc_check(LIBC.statx(AT_FDCWD, b(path), AT_SYMLINK_NOFOLLOW, STATX_MTIME | STATX_CTIME, buf), "statx")
    ctime_s, ctime_ns = struct.unpack_from("<qI", buf, 96)
    mtime_s, mtime_ns = struct.unpack_from("<qI", buf, 112)
    return mtime_s * 10**9 + mtime_ns, ctime_s * 10**9 + ctime_ns


def name_to_handle(path):
    """name_to_handle_at(AT_FDCWD, path, handle, &mount_id, 0): None when the file system gives a handle (its
    bytes differ from one file system to another, so they are not reported)."""
    handle = ctypes.create_string_buffer(8 + 128)  # struct file_handle: handle_bytes, handle_type, f_handle[128]
    struct.pack_into("<I", handle, 0, 128)
    mount_id = ctypes.c_int()
    libc_check(LIBC.name_to_handle_at(AT_FDCWD, b(path), handle, ctypes.byref(mount_id), 0), "name_to_handle_at")
    return None


def open_flags(names):
    f = 0
    for n in names:
        f |= getattr(os, n)
    return f


def op(name, a):
    if name == "create":  # path, data, mode: O_CREAT|O_EXCL
        fd = os.open(a[0], os.O_WRONLY | os.O_CREAT | os.O_EXCL, octal(a[2]) if len(a) > 2 else 0o644)
        try:
            os.write(fd, data_of(a[1]))
        finally:
            os.close(fd)
        return None
    if name == "writefile":  # path, data: O_CREAT|O_TRUNC
        fd = os.open(a[0], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data_of(a[1]))
        finally:
            os.close(fd)
        return None
    if name == "pwrite":  # path, data, offset
        fd = os.open(a[0], os.O_WRONLY)
        try:
            return os.pwrite(fd, data_of(a[1]), a[2])
        finally:
            os.close(fd)
    if name == "append":
        fd = os.open(a[0], os.O_WRONLY | os.O_APPEND)
        try:
            return os.write(fd, data_of(a[1]))
        finally:
            os.close(fd)
    if name == "read":
        fd = os.open(a[0], os.O_RDONLY)
        try:
            return digest(read_all(fd))
        finally:
            os.close(fd)
    if name == "truncate":
        return os.truncate(a[0], a[1])
    if name == "open":  # handle, path, [flag names], mode
        fds[a[0]] = os.open(a[1], open_flags(a[2]), octal(a[3]) if len(a) > 3 else 0o644)
        return None
    if name == "fwrite":  # handle, data, offset
        return os.pwrite(fds[a[0]], data_of(a[1]), a[2])
    if name == "fread":  # handle
        return digest(read_all(fds[a[0]]))
    if name == "ftruncate":
        return os.ftruncate(fds[a[0]], a[1])
    if name == "fstat":
        return stat_dict(os.fstat(fds[a[0]]))
    if name == "fchmod":
        return os.fchmod(fds[a[0]], octal(a[1]))
    if name == "fsync":
        return os.fsync(fds[a[0]])
    if name == "close":
        return os.close(fds.pop(a[0]))
    if name == "chmod":
        return os.chmod(a[0], octal(a[1]))
    if name == "chown":
        return os.chown(a[0], a[1], a[2])
    if name == "lchown":
        return os.chown(a[0], a[1], a[2], follow_symlinks=False)
    if name == "utimens":  # path, atime_ns, mtime_ns, follow
        return os.utime(a[0], ns=(a[1], a[2]), follow_symlinks=a[3] if len(a) > 3 else True)
    if name == "rename":  # from, to, flags (1 NOREPLACE, 2 EXCHANGE)
        return libc_check(LIBC.renameat2(AT_FDCWD, b(a[0]), AT_FDCWD, b(a[1]), a[2] if len(a) > 2 else 0),
                          "renameat2")
    if name == "unlink":
        return os.unlink(a[0])
    if name == "rmdir":
        return os.rmdir(a[0])
    if name == "mkdir":
        return os.mkdir(a[0], octal(a[1]) if len(a) > 1 else 0o755)
    if name == "makedirs":  # a chain of components: [base, name, depth]
        p = a[0]
        for _ in range(a[2]):
            p = p + "/" + a[1]
            os.mkdir(p)
        return len(p)
    if name == "symlink":  # target, path
        return os.symlink(a[0], a[1])
    if name == "readlink":
        return os.readlink(a[0])
    if name == "link":
        return os.link(a[0], a[1], follow_symlinks=False)
    if name == "mkfifo":
        return os.mkfifo(a[0], octal(a[1]))
    if name == "mknod":  # path, "chr"/"blk", major, minor, mode
        kind = stat.S_IFCHR if a[1] == "chr" else stat.S_IFBLK
        return os.mknod(a[0], kind | octal(a[4]), os.makedev(a[2], a[3]))
    if name == "setxattr":  # path, name, value, flags (1 CREATE, 2 REPLACE)
        return os.setxattr(a[0], a[1], a[2].encode(), a[3] if len(a) > 3 else 0, follow_symlinks=False)
    if name == "getxattr":
        return os.getxattr(a[0], a[1], follow_symlinks=False).decode("utf-8", "replace")
    if name == "listxattr":
        return sorted(x for x in os.listxattr(a[0], follow_symlinks=False) if x.startswith("user."))
    if name == "removexattr":
        return os.removexattr(a[0], a[1], follow_symlinks=False)
    if name == "umask":  # octal: the driver's umask for the steps that follow
        return oct(os.umask(octal(a[0])))
    if name == "setdefacl":  # path, [[tag, perm] or [tag, id, perm]]: tags u g o m U G (U, G named)
        return os.setxattr(a[0], "system.posix_acl_default", acl_value(a[1]))
    if name == "statxmode":  # path: the mode from statx(2) asking for type and mode only (as stat -c %A)
        buf = ctypes.create_string_buffer(256)
        libc_check(LIBC.statx(AT_FDCWD, b(a[0]), 0x100, 0x3, buf), "statx")  # AT_SYMLINK_NOFOLLOW
        return "%04o" % (struct.unpack_from("<H", buf, 28)[0] & 0o7777)
    if name == "setacl":  # path, entries as for setdefacl: the access ACL (it may change the mode)
        return os.setxattr(a[0], "system.posix_acl_access", acl_value(a[1]))
    if name == "acl":  # path: its access and default ACL entries, sorted, or None where it has none
        return {k: acl_entries(a[0], "system.posix_acl_" + k) for k in ("access", "default")}
    if name == "stat":
        return stat_dict(os.stat(a[0]))
    if name == "lstat":
        return stat_dict(os.lstat(a[0]))
    if name == "stattimes":
        return stat_dict(os.lstat(a[0]), times=True)
    if name == "tmpfile":  # handle, dir, [flag names], mode: open(dir, O_TMPFILE | flags, mode)
        fds[a[0]] = os.open(a[1], os.O_TMPFILE | open_flags(a[2]), int(a[3], 8) if len(a) > 3 else 0o644)
        return None
    if name == "flink":  # handle, path: linkat(AT_FDCWD, "/proc/self/fd/N", AT_FDCWD, path, AT_SYMLINK_FOLLOW)
        return libc_check(LIBC.linkat(AT_FDCWD, b("/proc/self/fd/%d" % fds[a[0]]), AT_FDCWD, b(a[1]), 0x400),
                          "linkat")
    if name == "flink_empty":  # handle, path: linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH)
        return libc_check(LIBC.linkat(fds[a[0]], b(""), AT_FDCWD, b(a[1]), 0x1000), "linkat")
    if name == "accessed":  # path, how (read, read_noatime, list): which of atime, mtime, ctime it changed
        return op_accessed(a[0], a[1])
    if name == "name_to_handle":  # path: name_to_handle_at(2), the file handle NFS export and open_by_handle use
        return name_to_handle(a[0])
    if name == "mmapwrite":  # path, data, offset: stores through a shared mapping, then unmaps and closes
        fd = os.open(a[0], os.O_RDWR)
        try:
            data = data_of(a[1])
            with mmap.mmap(fd, a[2] + len(data), mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE) as m:
                m[a[2]:a[2] + len(data)] = data
        finally:
            os.close(fd)
        return None
    if name == "savetimes":  # path, key: remember its mtime and ctime
        saved_times[a[1]] = statx_mtime_ctime(a[0])
        return None
    if name == "timeschanged":  # path, key: have mtime and ctime changed since savetimes?
        m, c = statx_mtime_ctime(a[0])
        sm, sc = saved_times[a[1]]
        return {"mtime": m != sm, "ctime": c != sc}
    if name == "saveino":  # path, key
        saved_inodes[a[1]] = os.lstat(a[0]).st_ino
        return None
    if name == "sameino":  # path, key: is the inode number the one saved before?
        return os.lstat(a[0]).st_ino == saved_inodes[a[1]]
    if name == "sameinoas":  # path1, path2: same inode number now?
        return os.lstat(a[0]).st_ino == os.lstat(a[1]).st_ino
    if name == "fallocate":  # handle, mode (FALLOC_FL_* bits), offset, length: fallocate(2) itself
        return libc_check(LIBC.fallocate(fds[a[0]], a[1], ctypes.c_long(a[2]), ctypes.c_long(a[3])),
                          "fallocate")
    if name == "statall":  # [paths]: the names of one inode must agree on every attribute right away
        return op_statall(a[0])
    if name == "chdir":
        return os.chdir(a[0])
    if name == "longpath":  # dirs, name length: a relative path of DIRS dirs and a file, made and undone
        return op_longpath(a[0], a[1])
    if name == "listdir":
        return sorted(os.listdir(a[0]))
    if name == "access":
        return os.access(a[0], a[1])
    if name == "readdir_during_changes":
        return op_readdir_during_changes(a[0], a[1], a[2])
    if name == "readdir_after_open":  # path, [steps]
        return op_readdir_after_open(a[0], a[1])
    if name == "readdir_rewind":  # path, [steps]
        return op_readdir_rewind(a[0], a[1])
    if name == "readdir_seek":
        return op_readdir_seek(a[0], a[1])
    if name == "sparse":  # path: is at most a quarter of the file allocated?
        st = os.lstat(a[0])
        return st.st_blocks * 512 <= st.st_size // 4
    if name == "parallel_append":  # path, threads, writes per thread: O_APPEND from several threads
        return op_parallel_append(a[0], a[1], a[2])
    if name == "as":  # uid, gid, [groups], [steps]: run the steps as that caller (a child process)
        return op_as(a[0], a[1], a[2], a[3])
    if name == "parallel":  # [steps]: run each step in its own thread at once; results in order
        return op_parallel(a[0])
    if name == "settimes_all":  # ns: set atime and mtime of every entry (children first), for fixtures
        return set_times_all(".", a[0])
    if name == "whiteout":  # path: the kernel's whiteout, a 0/0 character device (mode 0000)
        return os.mknod(a[0], stat.S_IFCHR, os.makedev(0, 0))
    if name == "wh_file":  # path: the OCI/aufs whiteout, an empty file .wh.NAME next to it
        d, n = os.path.split(a[0])
        return os.close(os.open(os.path.join(d, ".wh." + n), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    if name == "opaque":  # path: the overlay opaque xattr (trusted.overlay.opaque, user.* when rootless)
        return os.setxattr(a[0], OVERLAY_XATTR + "opaque", b"y", follow_symlinks=False)
    if name == "opaque_wh":  # path: the OCI opaque marker, an empty file .wh..wh..opq in the dir
        return os.close(os.open(os.path.join(a[0], ".wh..wh..opq"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    raise ValueError("unknown op " + name)


ACL_TAGS = {"u": 0x01, "U": 0x02, "g": 0x04, "G": 0x08, "m": 0x10, "o": 0x20}


def acl_value(entries):
    """The system.posix_acl_* xattr value (version 2, then tag u16, perm u16, id u32 per entry)."""
    out = struct.pack("<I", 2)
    for e in sorted(entries, key=lambda e: ACL_TAGS[e[0]]):
        ident, perm = (e[1], e[2]) if len(e) == 3 else (0xFFFFFFFF, e[1])
        out += struct.pack("<HHI", ACL_TAGS[e[0]], perm, ident)
    return out


def acl_entries(path, xattr):
    try:
        v = os.getxattr(path, xattr, follow_symlinks=False)
    except OSError as e:
        if e.errno == errno.ENODATA:
            return None
        raise
    names = {t: n for n, t in ACL_TAGS.items()}
    ents = [struct.unpack_from("<HHI", v, i) for i in range(4, len(v), 8)]
    return sorted("%s:%s:%o" % (names[t], "" if i == 0xFFFFFFFF else i, p) for t, p, i in ents)


def set_times_all(path, ns):
    if os.path.isdir(path) and not os.path.islink(path):
        for n in os.listdir(path):
            set_times_all(os.path.join(path, n), ns)
    os.utime(path, ns=(ns, ns), follow_symlinks=False)


def run_step(step):
    try:
        return {"ok": op(step["op"], step.get("args", []))}
    except OSError as e:
        return {"err": errno.errorcode.get(e.errno, str(e.errno))}
    except KeyError:
        return {"err": "EBADF"}  # a handle an earlier step failed to open


def main():
    global OVERLAY_XATTR
    req = json.load(sys.stdin)
    OVERLAY_XATTR = req.get("overlay_xattr", OVERLAY_XATTR)
    os.chdir(req["root"])
    results = [run_step(s) for s in req.get("steps", [])]
    for fd in fds.values():
        os.close(fd)
    out = {"steps": results}
    if req.get("snapshot"):
        os.chdir(req["root"])
        out["tree"] = snapshot(".", merged_entry)
    if req.get("upper"):
        out["upper"] = snapshot(req["upper"], upper_entry)
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
