# Sourced by scripts/pjdfstest, scripts/xfstests and scripts/fsstress (the external suites): the scratch
# directory, the same fresh lower layers for every implementation, and mounting/unmounting lamina, kernel
# overlayfs and fuse-overlayfs over them. The caller sets PROG (its name, for messages) and HOME_DIR (the
# checkout) before sourcing this file.

: "${LAMINA_SUITES_DIR:=/var/tmp/lamina-suites}"   # builds and runs; never inside the checkout
LAMINA_CMD="$HOME_DIR/scripts/lamina"
SUITES_IMPLS_ALL=(lamina kernel fuse-overlayfs)

die() { echo "$PROG: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }

need_root() {
  [[ $(id -u) == 0 ]] || die "must run as root (it mounts kernel overlayfs and runs the suite as root)"
}

need_cmds() {
  local c missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  ((${#missing[@]} == 0)) || die "missing commands: ${missing[*]} (Debian: apt-get install the packages listed in scripts/$PROG's header)"
}

# The lamina jar is built by scripts/lamina on first use; build it now so that no suite's first mount waits
# for Maven (and times out).
ensure_lamina_jar() {
  [[ -f "$HOME_DIR/target/lamina.jar" ]] && return 0
  note "building lamina (mvn package) ..."
  (cd "$HOME_DIR" && mvn -B -q -DskipTests package >&2) || die "mvn package failed in $HOME_DIR"
}

# A private run directory under the scratch dir: sets RUN_DIR.
new_run_dir() {
  mkdir -p "$LAMINA_SUITES_DIR/runs" || die "cannot create $LAMINA_SUITES_DIR/runs"
  RUN_DIR=$(mktemp -d "$LAMINA_SUITES_DIR/runs/$PROG.$(date -u +%Y%m%dT%H%M%S).XXXX")
}

# make_layers DIR: two lower layers with files, directories, a symlink, a hard link pair, a fifo and a
# directory `t` that exists only in the lower layers (both of them), where the suites run, so that every
# operation there goes through copy-up of its parent. Built once, then copied (cp -a) for each
# implementation so every mount starts from identical layers.
make_layers() {
  local d="$1"
  mkdir -p "$d/l2/t/base-only" "$d/l2/d/sub" "$d/l1/t/top-only" "$d/l1/d"
  echo base >"$d/l2/t/file-base"
  echo base >"$d/l2/d/sub/f"
  echo shadowed-by-top >"$d/l2/d/shadowed"
  echo top >"$d/l1/d/shadowed"
  echo top >"$d/l1/t/file-top"
  head -c 100000 /dev/zero >"$d/l2/d/big"
  ln -s file-base "$d/l2/t/link-base"
  echo pair >"$d/l2/d/hl1" && ln "$d/l2/d/hl1" "$d/l2/d/hl2"
  mkfifo "$d/l2/d/fifo"
  chmod 0755 "$d/l1" "$d/l2" "$d/l1/t" "$d/l2/t"
}

# fresh_layers TEMPLATE DEST: a copy of the template layers plus empty upper, work and mount dirs.
fresh_layers() {
  local tpl="$1" dst="$2"
  mkdir -p "$dst"
  cp -a "$tpl/l1" "$tpl/l2" "$dst/" && mkdir -p "$dst/upper" "$dst/work" "$dst/mnt"
}

# shellcheck source=fuse-daemon.sh
. "$HOME_DIR/scripts/fuse-daemon.sh"   # daemon_pid

# mount_impl IMPL DIR [EXTRA_OPTS]: mounts DIR/mnt over DIR/l1:DIR/l2 with DIR/upper and DIR/work.
# lamina and fuse-overlayfs log to DIR/daemon.log.
mount_impl() {
  local impl="$1" d="$2" extra="${3:-}" opts
  opts="lowerdir=$d/l1:$d/l2,upperdir=$d/upper,workdir=$d/work${extra:+,$extra}"
  case "$impl" in
    lamina) "$LAMINA_CMD" mount --log "$d/daemon.log" -o "$opts" "$d/mnt" </dev/null >>"$d/daemon.log" 2>&1 ;;
    kernel) mount -t overlay overlay -o "$opts" "$d/mnt" ;;
    fuse-overlayfs) fuse-overlayfs -o "$opts" "$d/mnt" </dev/null >>"$d/daemon.log" 2>&1 ;;
    *) die "unknown implementation $impl (one of: ${SUITES_IMPLS_ALL[*]})" ;;
  esac || { note "$impl: mount on $d/mnt failed (log: $d/daemon.log)"; return 1; }
  local i
  for ((i = 0; i < 300; i++)); do
    mountpoint -q "$d/mnt" && stat "$d/mnt/." >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  note "$impl: mount on $d/mnt never became live"
  return 1
}

# umount_impl DIR: unmounts DIR/mnt (lazily after 10 s of EBUSY) and waits for a FUSE daemon to exit.
umount_impl() {
  local d="$1" pid i
  mountpoint -q "$d/mnt" || return 0
  pid=$(daemon_pid "$d/mnt") || pid=""
  for ((i = 0; i < 100; i++)); do
    umount "$d/mnt" 2>/dev/null && break
    sleep 0.1
  done
  mountpoint -q "$d/mnt" && { note "umount $d/mnt: busy; detaching it (umount -l)"; umount -l "$d/mnt"; }
  if [[ -n "$pid" ]]; then
    for ((i = 0; i < 200; i++)); do
      [[ -d /proc/$pid ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || break
      sleep 0.05
    done
  fi
  return 0
}

# impl_version IMPL: a one-line description of what was measured.
impl_version() {
  case "$1" in
    lamina) echo "lamina (src last changed in $(git -C "$HOME_DIR" log -1 --format=%h -- src pom.xml 2>/dev/null || echo '?')$(git -C "$HOME_DIR" diff --quiet HEAD -- src pom.xml 2>/dev/null || echo ', plus local changes'))" ;;
    kernel) echo "kernel overlayfs, Linux $(uname -r)" ;;
    fuse-overlayfs) fuse-overlayfs --version 2>/dev/null | grep -m1 -i "fuse-overlayfs" ;;
  esac
}

# check_impls IMPL...: each is known and its tool installed.
check_impls() {
  local i
  for i in "$@"; do
    case "$i" in
      lamina) ensure_lamina_jar ;;
      kernel) grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || die "kernel overlayfs is not available (modprobe overlay)" ;;
      fuse-overlayfs) need_cmds fuse-overlayfs ;;
      *) die "unknown implementation $i (one of: ${SUITES_IMPLS_ALL[*]})" ;;
    esac
  done
}

# build_xfstests SRC: builds xfstests (which also gives ltp/fsstress) from a source tree in a copy under
# $LAMINA_SUITES_DIR/build/xfstests, unless that copy was already built from the same tree; sets XFSTESTS.
build_xfstests() {
  local src build stamp
  src=$(readlink -f "$1")
  [[ -f "$src/check" && -f "$src/ltp/fsstress.c" && -d "$src/tests/generic" ]] ||
    die "$1 is not an xfstests source tree (no check, ltp/fsstress.c, tests/generic); get one with: git clone https://github.com/kdave/xfstests"
  build="$LAMINA_SUITES_DIR/build/xfstests"
  stamp="$src $(cat "$src/check" "$src/ltp/fsstress.c" "$src/configure.ac" "$src/common/rc" | md5sum | cut -d' ' -f1)"
  if [[ ! -x "$build/ltp/fsstress" || ! -x "$build/src/xfsctl" && ! -x "$build/src/fstest" ||
        "$(cat "$build/.lamina-stamp" 2>/dev/null)" != "$stamp" ]]; then
    need_cmds make cc autoconf libtoolize
    note "building xfstests from $src in $build (a few minutes; log: $build/build.log) ..."
    rm -rf "$build" && mkdir -p "$build" && cp -a "$src/." "$build/"
    make -C "$build" -j"$(nproc)" >"$build/build.log" 2>&1 ||
      die "xfstests build failed; see $build/build.log (Debian packages: see scripts/xfstests' header)"
    echo "$stamp" >"$build/.lamina-stamp"
  fi
  XFSTESTS="$build"
}
