# lamina-init: the first process of a container, run by the host's /bin/sh as pid 1 of fresh user, mount, pid,
# uts and ipc namespaces (started by unshare(1), see native-notes.md "lamina run: the process tree").
# It needs nothing from the image: it mounts /proc, a minimal /dev and a read-only /sys into the root, sets the
# hostname, applies bind mounts and the read-only flag, then starts the final command (the host's env, setpriv
# and unshare, which chroot, switch user, chdir and exec the container command) and stays as init: it forwards
# signals to it, and exits with its status (128+N when killed by signal N). Its exit ends the pid namespace, so
# nothing of the container outlives the command.
#
# Arguments: ROOTFS HOSTNAME READONLY(0|1) NBINDS, then NBINDS triples SRC DST ro|rw, then the final command.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
fail() { echo "lamina-init: $*" >&2; exit 125; }
[ $# -ge 4 ] || fail "usage: ROOTFS HOSTNAME READONLY NBINDS [SRC DST MODE]... -- COMMAND"
R=$1 HN=$2 RO=$3 N=$4
shift 4

# The root becomes a mount of its own, so it can be made read-only without touching the host's view.
mount --bind "$R" "$R" || fail "cannot bind $R onto itself"

if [ -d "$R/proc" ]; then
  # A fresh proc shows only this pid namespace; it is refused where the host's /proc is partly covered
  # (mount_too_revealing), so fall back to the host's.
  mount -t proc -o nosuid,nodev,noexec proc "$R/proc" 2>/dev/null \
    || mount --rbind /proc "$R/proc" || fail "cannot mount /proc in $R/proc"
fi
if [ -d "$R/dev" ]; then
  mount -t tmpfs -o nosuid,noexec,mode=755,size=65536k tmpfs "$R/dev" || fail "cannot mount a tmpfs on $R/dev"
  for d in null zero full random urandom tty; do
    : > "$R/dev/$d" && mount --bind "/dev/$d" "$R/dev/$d" || fail "cannot bind /dev/$d"
  done
  mkdir -p "$R/dev/pts" "$R/dev/shm"
  # A private devpts instance: ptys opened inside belong to the container, not to the host's /dev/pts.
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts" || fail "cannot mount devpts"
  ln -s pts/ptmx "$R/dev/ptmx"
  mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$R/dev/shm" || fail "cannot mount /dev/shm"
  ln -s /proc/self/fd "$R/dev/fd"
  ln -s /proc/self/fd/0 "$R/dev/stdin"
  ln -s /proc/self/fd/1 "$R/dev/stdout"
  ln -s /proc/self/fd/2 "$R/dev/stderr"
fi
if [ -d "$R/sys" ]; then
  # sysfs cannot be mounted fresh without a network namespace; the host's, read-only, is what rootless podman
  # shows too. Recursive, because a user namespace may not bind /sys without its (locked) submounts; each
  # submount is then made read-only one by one (util-linux 2.38 has no recursive ro).
  mount --rbind -o ro /sys "$R/sys" || fail "cannot bind /sys read-only"
  while read -r _ _ _ _ mp _; do
    case $mp in "$R/sys"/*) mount -o remount,bind,ro "$mp" 2>/dev/null ;; esac
  done < /proc/self/mountinfo
fi
# The uts namespace is ours, so this changes the hostname seen inside only. sethostname(2) is needed: the
# /proc/sys file belongs to the host's root, which this namespace does not map.
if command -v hostname >/dev/null 2>&1; then
  hostname "$HN" || fail "cannot set the hostname"
else
  echo "lamina-init: hostname(1) is not installed on the host; the hostname stays the host's" >&2
fi

i=0
while [ "$i" -lt "$N" ]; do
  src=$1 dst=$2 mode=$3
  shift 3
  mount --rbind "$src" "$dst" || fail "cannot bind $src on $dst"
  if [ "$mode" = ro ]; then
    mount -o remount,bind,ro "$dst" || fail "cannot make $dst read-only"
  fi
  i=$((i + 1))
done
if [ "$RO" = 1 ]; then
  mount -o remount,bind,ro "$R" || fail "cannot make $R read-only"
fi
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || fail "no command"

# Stay as init: a non-interactive sh gives background jobs /dev/null as stdin (hence fd 3) and ignores SIGINT and
# SIGQUIT in them (the final command resets them with env --default-signal). pid 1 gets only signals it
# handles, hence the traps. With a controlling terminal, Ctrl-C and Ctrl-\ already reach the command (it is in
# the terminal's foreground process group), so those are not forwarded a second time.
child=
fwd="TERM HUP USR1 USR2"
if (: </dev/tty) 2>/dev/null; then trap '' INT QUIT; else fwd="$fwd INT QUIT"; fi
for s in $fwd; do
  trap "[ -n \"\$child\" ] && kill -$s \$child 2>/dev/null" "$s"
done
exec 3<&0
"$@" 0<&3 3<&- &
child=$!
exec 3<&-
while :; do
  wait "$child"
  st=$?
  kill -0 "$child" 2>/dev/null || break
done
exit "$st"
