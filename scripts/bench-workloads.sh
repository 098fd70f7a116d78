# Sourced by scripts/bench: the workloads. For each NAME, `lowers_NAME` prints the lowerdir string
# (relative to MOUNT_CWD), `prep_NAME MNT` (optional, untimed) sets the mount up, `wl_NAME MNT OUT` is the
# timed body (run in a fresh bash under `timeout`, so everything it uses is exported), and `check_NAME MNT OUT`
# (untimed) prints a short digest that must be equal for every implementation (a sanity check, not a test).

img_lowers() { echo "$BENCH_CACHE/image/3:$BENCH_CACHE/image/2:$BENCH_CACHE/image/1:$BENCH_CACHE/image/0"; }
stack_lowers() { local n="$1" i s=""; for ((i = n - 1; i >= 0; i--)); do s+="$i:"; done; echo "${s%:}"; }
digest() { md5sum | cut -c1-8; }

# --- the Debian image -------------------------------------------------------------------------------
# walk: every entry with the attributes `ls -l` needs.
wl_walk() { find "$1" -printf '%y %m %U %G %s %P\n' >"$2"; }
check_walk() { awk '$1 == "d" { $5 = "-" } { print }' "$2" | LC_ALL=C sort | digest; }

# readall: every file's bytes (tar into a pipe: GNU tar skips reading files when it writes to /dev/null).
wl_readall() { tar -C "$1" -cf - . | wc -c >"$2"; }
check_readall() { cat "$2"; }

# create: untar a few thousand files (python stdlib, zoneinfo, locales) into a new directory.
prep_create() { mkdir "$1/opt/new"; }
wl_create() { tar -C "$1/opt/new" -xf "$BENCH_CACHE/create.tar"; }
check_create() { find "$1/opt/new" -printf '%y %m %s %P\n' | awk '$1 == "d" { $3 = "-" } { print }' | LC_ALL=C sort | digest; }

# copyup: touch (open O_WRONLY + utimensat) every file of two lower trees, copying each one up.
copyup_list() { echo "$BENCH_RUN/copyup.list"; }
prep_copyup() {
  (cd "$1" && find usr/lib/x86_64-linux-gnu/perl-base usr/share/zoneinfo -type f -print0 | LC_ALL=C sort -z >"$(copyup_list)")
}
wl_copyup() { (cd "$1" && xargs -0 -a "$(copyup_list)" touch); }
check_copyup() { (cd "$1" && xargs -0 -a "$(copyup_list)" md5sum | digest); }

# copyupmeta: the same files' times set without opening them (touch -h: utimensat only), which copies up
# only the metadata with metacopy=on (kernel and lamina); chmodr: chmod -R of /usr (every file and dir).
wl_copyupmeta() { (cd "$1" && xargs -0 -a "$(copyup_list)" touch -h -d @1600000000); }
prep_copyupmeta() { prep_copyup "$1"; }
check_copyupmeta() { (cd "$1" && xargs -0 -a "$(copyup_list)" md5sum | digest); }
wl_chmodr() { chmod -R o-r "$1/usr"; }
# chmodbig: chmod of the 512 MiB file of bigread (its data copied up, or only its metadata with metacopy=on).
lowers_chmodbig() { lowers_bigread; }
wl_chmodbig() { chmod 0600 "$1/big.bin"; }
check_chmodbig() { stat -c '%a %s' "$1/big.bin"; }
check_chmodr() { (cd "$1/usr" && find . -printf '%m %s %P\n' | LC_ALL=C sort | digest); }
# chownr: chown -R of /usr (every entry, symlinks themselves included: lchown), as a rootless image unpack or
# a `chown -R` in a Dockerfile does; with metacopy=on no file data is copied.
wl_chownr() { chown -R 1000:1000 "$1/usr"; }
check_chownr() { (cd "$1/usr" && find . -printf '%U %G %m %s %P\n' | LC_ALL=C sort | digest); }
# renamedir: mv of a populated lower directory (python's stdlib, ~1,200 entries and 27 MiB, in one layer) to a
# new name in its parent: with redirect_dir=on one rename (and a redirect xattr); without it rename(2) fails
# with EXDEV and mv copies the tree and removes the original.
wl_renamedir() { mv "$1/usr/lib/python3.11" "$1/usr/lib/python3.11.moved"; }
check_renamedir() {
  [[ ! -e "$1/usr/lib/python3.11" ]] || echo "old-name-still-there"
  (cd "$1/usr/lib/python3.11.moved" && find . -printf '%y %m %s %P\n' | awk '$1 == "d" { $3 = "-" } { print }' | LC_ALL=C sort | digest)
}

# delete: rm -rf of /usr/share, ~5,000 entries merged from all four layers (with layer 3's whiteouts and
# opaque dir in it): every entry is unlinked, every lower dir emptied and whited out.
wl_delete() { rm -rf "$1/usr/share"; }
check_delete() { find "$1/usr" "$1/var" | LC_ALL=C sort | sed "s|^$1||" | digest; }

# bigwrite: 512 MiB sequential, fsync'd before dd exits.
wl_bigwrite() { dd if=/dev/zero of="$1/big.out" bs=1M count="$BENCH_BIG_MIB" conv=fsync status=none; }
check_bigwrite() { stat -c %s "$1/big.out"; }

# bigread: 512 MiB sequential from a file in the top lower layer.
lowers_bigread() { echo "$BENCH_CACHE/big:$(img_lowers)"; }
wl_bigread() { dd if="$1/big.bin" of=/dev/null bs=1M count="$BENCH_BIG_MIB" status=none; }
check_bigread() { head -c $((BENCH_BIG_MIB << 20)) "$1/big.bin" | digest; }

# smallio: fio 4k random reads and writes (50/50, psync) over a 64 MiB file in the upper layer.
prep_smallio() { head -c $((64 << 20)) /dev/urandom >"$1/fio.dat"; sync -f "$1/fio.dat"; }
wl_smallio() {
  fio --name=smallio --filename="$1/fio.dat" --size=64M --io_size="$BENCH_FIO_IO" --rw=randrw --rwmixread=50 \
    --bs=4k --ioengine=psync --randrepeat=1 --norandommap --end_fsync=1 --output-format=terse >"$2"
}
check_smallio() { stat -c %s "$1/fio.dat"; }

# chroot: an application run inside the image, with the host's /dev bound in as a container runtime would
# (FUSE mounts are nodev, so the image's own /dev/null cannot be opened through fuse-overlayfs or lamina).
prep_chroot() { mount --bind /dev "$1/dev"; }
post_chroot() { umount "$1/dev"; }
wl_chroot() {
  chroot "$1" /bin/sh -c 'dpkg -l; ls -lR /usr >/dev/null; python3 -c "import json, email, http.client";
    i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done' >"$2"
}
check_chroot() { digest <"$2"; }

# --- scaling ----------------------------------------------------------------------------------------
# lookupN: stat 3,200 files that only the bottom of N layers holds, in 32 dirs that every layer merges.
lookup_list() { echo "$BENCH_CACHE/scale/stack/lookup.list"; }
prep_lookup() { [[ -f "$(lookup_list)" ]] || (cd "$BENCH_CACHE/scale/stack/0" && find t -name 'f*' >"$(lookup_list)"); }
wl_lookup() { (cd "$1" && xargs -a "$(lookup_list)" stat -c '%i %s' >"$2"); }
check_lookup() { wc -l <"$2"; }

# dirlistN: readdir of one directory with N entries (no stat).  dirlookupN: stat of each of its entries.
wl_dirlist() { ls -f "$1/big" >"$2"; }
check_dirlist() { wc -l <"$2"; }
wl_dirlookup() { (cd "$1/big" && seq -f 'entry%07g' 0 $((BENCH_SIZE - 1)) | xargs stat -c '%s' >"$2"); }
check_dirlookup() { wc -l <"$2"; }

# treewalkN: find over a tree of N files (N/1000 dirs).
wl_treewalk() { find "$1/tree" -printf '%y %s %P\n' >"$2"; }
check_treewalk() { wc -l <"$2"; }

export -f wl_walk wl_readall wl_create wl_copyup wl_copyupmeta wl_chmodr wl_chownr wl_renamedir wl_chmodbig copyup_list wl_delete wl_bigwrite wl_bigread wl_smallio wl_chroot \
  wl_lookup lookup_list wl_dirlist wl_dirlookup wl_treewalk
