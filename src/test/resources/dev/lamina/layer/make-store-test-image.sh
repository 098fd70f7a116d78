#!/usr/bin/env bash
# Builds an OCI image (umoci) whose three layers exercise what extraction must get right: setuid/setgid/sticky
# modes, non-root owners, device nodes, a fifo, hard links, user.* xattrs (PAX SCHILY.xattr), a 230-byte name,
# deep paths, a 0555 dir with content, then modifications, whiteouts of files and dirs, an opaque dir, a dir
# replaced by a file and a file by a symlink. Layer tars come from GNU tar (posix format) as root.
# Usage: make-store-test-image.sh OUT_DIR  (needs root, umoci, tar, setfattr, /bin/busybox)
set -euo pipefail
out="$1"
work="$(mktemp -d /tmp/layer-test-image.XXXXXX)"
trap 'rm -rf "$work"' EXIT
when="2023-05-06T07:08:09Z"
tarit() {
  tar --create --file "$2" --directory "$1" --sort=name --numeric-owner --format=posix --xattrs \
    --xattrs-include='user.*' --mtime="$when" --pax-option=delete=atime,delete=ctime .
}

l1="$work/l1"
mkdir -p "$l1"/{bin,etc,root,tmp,dev,srv/ro,var/lib/app/cache,opt/data/old,home/user,usr/share/deep/a/b/c/d/e}
cp /bin/busybox "$l1/bin/busybox"
for a in sh ls cat; do ln -s busybox "$l1/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$l1/etc/passwd"
printf 'motd v1\n' >"$l1/etc/motd"
printf 'issue\n' >"$l1/etc/issue"
printf '#!/bin/sh\nid\n' >"$l1/bin/su-like"; chmod 4755 "$l1/bin/su-like"
printf 'sg\n' >"$l1/bin/sg-like"; chmod 2711 "$l1/bin/sg-like"; chgrp 50 "$l1/bin/sg-like"
chmod 1777 "$l1/tmp"; chmod 0700 "$l1/root"
printf 'mine\n' >"$l1/home/user/notes"; chown -R 1000:1000 "$l1/home/user"
mknod -m 0666 "$l1/dev/null" c 1 3
mknod -m 0660 "$l1/dev/sda" b 8 0; chown 0:6 "$l1/dev/sda"
mkfifo -m 0640 "$l1/srv/fifo"
printf 'shared\n' >"$l1/opt/data/shared"; ln "$l1/opt/data/shared" "$l1/opt/data/shared.link"
ln "$l1/opt/data/shared" "$l1/etc/shared.link2"
printf 'x\n' >"$l1/opt/data/$(printf 'n%.0s' $(seq 1 230))"
printf 'deep\n' >"$l1/usr/share/deep/a/b/c/d/e/file"
printf 'ro\n' >"$l1/srv/ro/file"; chmod 0555 "$l1/srv/ro"
printf 'tagged\n' >"$l1/etc/tagged"; setfattr -n user.mime -v text/plain "$l1/etc/tagged"
printf 'old\n' >"$l1/opt/data/old/x"; printf 'c\n' >"$l1/var/lib/app/cache/c1"
printf 'v\n' >"$l1/var/lib/app/version"
tarit "$l1" "$work/l1.tar"

l2="$work/l2"
mkdir -p "$l2"/{etc,opt/data,var/lib/app/cache,usr/share}
printf 'motd v2\n' >"$l2/etc/motd"
: >"$l2/etc/.wh.issue"
: >"$l2/var/lib/app/cache/.wh..wh..opq"; printf 'c2\n' >"$l2/var/lib/app/cache/c2"
: >"$l2/usr/share/.wh.deep"
printf 'now a file\n' >"$l2/opt/data/old"
printf 'new\n' >"$l2/etc/new"; chown 33:33 "$l2/etc/new"; chmod 0640 "$l2/etc/new"
tarit "$l2" "$work/l2.tar"

l3="$work/l3"
mkdir -p "$l3"/{etc,opt/data,bin}
: >"$l3/opt/data/.wh.shared.link"
ln -s motd "$l3/etc/new"
mkdir -p "$l3/var/lib/app"; chmod 2775 "$l3/var/lib/app"
: >"$l3/bin/.wh.cat"
tarit "$l3" "$work/l3.tar"

umoci init --layout "$out"
umoci new --image "$out:latest"
umoci config --image "$out:latest" --no-history --created "$when" --os linux --architecture amd64 --config.cmd /bin/sh
for i in 1 2 3; do
  umoci raw add-layer --no-history --image "$out:latest" "$work/l$i.tar"
done
