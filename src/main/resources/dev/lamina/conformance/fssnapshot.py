"""Tree snapshots for lamina's differential suite: the merged view of a mount, and a format-neutral view
of an upper dir (whiteouts and opaque markers of either format look alike). Used by fsdriver.py."""
import hashlib
import os
import stat

# Times at or before this instant were set on purpose (fixture or utimens) and are compared exactly;
# later ones are "now" on each target and compared only as "recent".
FIXED_TIME_LIMIT_NS = 1_600_000_000 * 10**9


def ftype(mode):
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
                       (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "chr"), (stat.S_ISBLK, "blk"),
                       (stat.S_ISSOCK, "sock")):
        if test(mode):
            return name
    return "unknown"


def time_of(ns):
    return str(ns) if ns <= FIXED_TIME_LIMIT_NS else "recent"


def stat_dict(st, times=False):
    d = {"type": ftype(st.st_mode), "mode": "%04o" % stat.S_IMODE(st.st_mode),
         "uid": st.st_uid, "gid": st.st_gid}
    d["size"] = st.st_size
    d["nlink"] = st.st_nlink
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        d["rdev"] = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    if times:
        d["mtime"] = time_of(st.st_mtime_ns)
        d["atime"] = time_of(st.st_atime_ns)
    return d


def digest(data):
    return data.decode("utf-8") if len(data) <= 64 and all(32 <= c < 127 for c in data) \
        else "sha256:" + hashlib.sha256(data).hexdigest()[:16] + "/%d" % len(data)


def xattrs_of(name, prefix="user."):
    out = {}
    for x in sorted(os.listxattr(name, follow_symlinks=False)):
        if x.startswith(prefix):
            out[x] = os.getxattr(name, x, follow_symlinks=False).decode("utf-8", "replace")
    return out


def walk(rel, name, out, entry_fn):
    """Depth-first walk with fchdir, so that no path handed to the kernel grows beyond one component."""
    st = os.lstat(name)
    entry = entry_fn(name, st)
    if entry is not None:
        out[rel] = entry
    if stat.S_ISDIR(st.st_mode):
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            os.fchdir(fd)
            names = sorted(os.listdir("."))
            if entry is not None:
                entry["entries"] = names
            for n in names:
                walk(rel.rstrip("/") + "/" + n, n, out, entry_fn)
        finally:
            os.chdir("..")
            os.close(fd)


def merged_entry(name, st):
    d = stat_dict(st)
    d["mtime"] = time_of(st.st_mtime_ns)
    d["xattrs"] = xattrs_of(name)
    if stat.S_ISREG(st.st_mode):
        with open(name, "rb") as f:
            d["content"] = digest(f.read())
    if stat.S_ISLNK(st.st_mode):
        d["target"] = os.readlink(name)
    return d


def upper_entry(name, st):
    """The upper dir in a format-neutral form: whiteouts of either form become type "whiteout",
    opaque markers of either form become opaque=true, a redirect of either form its value; other overlay
    bookkeeping xattrs are ignored."""
    if name == ".wh..wh..opq":
        return None
    if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
        return {"type": "whiteout"}
    if name.startswith(".wh.") and stat.S_ISREG(st.st_mode):
        return {"type": "whiteout", "as": name[4:]}
    d = {"type": ftype(st.st_mode)}
    if stat.S_ISDIR(st.st_mode):
        ov = {**xattrs_of(name, "trusted.overlay.opaque"), **xattrs_of(name, "user.overlay.opaque")}
        d["opaque"] = "y" in ov.values() or os.path.lexists(os.path.join(name, ".wh..wh..opq"))
        rd = {**xattrs_of(name, "trusted.overlay.redirect"), **xattrs_of(name, "user.overlay.redirect")}
        if rd:
            d["redirect"] = list(rd.values())[0]  # redirect_dir: where the lower instances are
    if stat.S_ISREG(st.st_mode):
        with open(name, "rb") as f:
            d["content"] = digest(f.read())
        mc = {**xattrs_of(name, "trusted.overlay.metacopy"), **xattrs_of(name, "user.overlay.metacopy")}
        if mc:
            d["metacopy"] = True  # metacopy: a metadata-only copy, its data in a lower layer
        rd = {**xattrs_of(name, "trusted.overlay.redirect"), **xattrs_of(name, "user.overlay.redirect")}
        if rd:
            d["redirect"] = list(rd.values())[0]  # where a renamed metadata-only copy's data is
    return d


def snapshot(root, entry_fn):
    out = {}
    cwd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.chdir(root)
        walk("/", ".", out, entry_fn)
    finally:
        os.fchdir(cwd)
        os.close(cwd)
    # ".wh.NAME" whiteout files are reported under NAME, like 0/0 character devices
    for rel in [r for r, e in out.items() if e.get("as")]:
        e = out.pop(rel)
        out[rel[: rel.rfind("/") + 1] + e.pop("as")] = e
    for e in out.values():
        if "entries" in e:
            e["entries"] = sorted(n[4:] if n.startswith(".wh.") else n
                                  for n in e["entries"] if n != ".wh..wh..opq")
    return out
