# Sourced by scripts/bench: mounts and unmounts one overlay with each implementation the same way,
# and measures what the mount costs (time until live, the daemon's pid for its peak RSS).
# Every function takes the lowerdir string top layer first, exactly as overlayfs' lowerdir= option.

BENCH_IMPLS_ALL=(kernel fuse-overlayfs lamina)
: "${LAMINA_CMD:=$BENCH_HOME/scripts/lamina}"

now() { printf '%s' "${EPOCHREALTIME/./}"; }   # microseconds, without forking

# shellcheck source=fuse-daemon.sh
. "$BENCH_HOME/scripts/fuse-daemon.sh"   # daemon_pid

# Waits until MNT is a mount point whose root answers (the probe is a stat through the file system).
wait_live() {
  local mnt="$1" i
  for ((i = 0; i < 3000; i++)); do
    mountpoint -q "$mnt" && stat "$mnt/." >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  return 1
}

# mount_overlay IMPL LOWERS UPPER WORK MNT: sets MOUNT_US (command start to live mount, microseconds)
# and MOUNT_PID (daemon pid, empty for the kernel). Relative lowers resolve against the current directory.
mount_overlay() {
  local impl="$1" lowers="$2" upper="$3" work="$4" mnt="$5" t0 opts x
  opts="lowerdir=$lowers,upperdir=$upper,workdir=$work"
  MOUNT_PID=""
  t0=$(now)
  case "$impl" in
    kernel) mount -t overlay overlay -o "$opts" "$mnt" ;;
    fuse-overlayfs) fuse-overlayfs -o "$opts" "$mnt" 2>>"$BENCH_LOG" ;;
    lamina) $LAMINA_CMD mount -o "daemon=private,$opts" "$mnt" </dev/null >>"$BENCH_LOG" 2>&1 ;;
    # lamina-warm: a fresh mount served by the shared daemon of the run (BENCH_WARM_DIR), already warm
    # (lamina-warm+OPTS: with more mount options, as lamina+OPTS)
    lamina-warm | lamina-warm+*) x=${impl#lamina-warm}; x=${x#+}; LAMINA_DAEMON_DIR="$BENCH_WARM_DIR" LAMINA_DAEMON_IDLE=3600 \
      $LAMINA_CMD mount -o "daemon=shared,$opts${x:+,${x//+/,}}" "$mnt" </dev/null >>"$BENCH_LOG" 2>&1 ;;
    # lamina+OPTS: lamina with more mount options (e.g. lamina+readdirplus=auto), to compare settings
    # (a + between options stands for a comma: lamina+metacopy=on+redirect_dir=on)
    lamina+*) x=${impl#lamina+}; $LAMINA_CMD mount -o "daemon=private,$opts,${x//+/,}" "$mnt" </dev/null >>"$BENCH_LOG" 2>&1 ;;
    # kernel+OPTS: the kernel overlay with more options (e.g. kernel+metacopy=on+redirect_dir=on)
    kernel+*) x=${impl#kernel+}; mount -t overlay overlay -o "$opts,${x//+/,}" "$mnt" ;;
    *) echo "bench: unknown implementation $impl" >&2; return 1 ;;
  esac || { echo "bench: $impl mount of $lowers on $mnt failed (log: $BENCH_LOG)" >&2; return 1; }
  wait_live "$mnt" || { echo "bench: $impl mount on $mnt never became live" >&2; return 1; }
  MOUNT_US=$(($(now) - t0))
  case "$impl" in
    kernel*) ;;
    lamina-warm*) MOUNT_PID=$(warm_daemon_pid) ;;
    *) MOUNT_PID=$(daemon_pid "$mnt") || MOUNT_PID="" ;;
  esac
}

# The shared daemon serving lamina-warm mounts (it serves them all, so its peak RSS is the peak so far).
warm_daemon_pid() {
  [[ -n "${WARM_PID:-}" ]] && kill -0 "$WARM_PID" 2>/dev/null && { echo "$WARM_PID"; return; }
  WARM_PID=$(LAMINA_DAEMON_DIR="$BENCH_WARM_DIR" $LAMINA_CMD daemon status 2>/dev/null | awk '/^pid:/ {print $2}')
  echo "$WARM_PID"
}

# Stops the run's shared daemon (lamina-warm), if one was started.
stop_warm_daemon() {
  # (its socket is below the directory, one per lamina build: DIR/build-ID/daemon.sock)
  [[ -n "${BENCH_WARM_DIR:-}" && -d "$BENCH_WARM_DIR" ]] || return 0
  LAMINA_DAEMON_DIR="$BENCH_WARM_DIR" $LAMINA_CMD daemon stop >/dev/null 2>&1 || true
}

TICK=$(getconf CLK_TCK)
# CPU time (utime+stime, all threads) of a daemon so far, in clock ticks; 0 without a daemon.
cpu_ticks() {
  local pid="$1" st
  [[ -n "$pid" ]] && read -ra st <"/proc/$pid/stat" 2>/dev/null && { echo $((st[13] + st[14])); return; }
  echo 0
}

# Peak resident set of the daemon in KiB (VmHWM), or 0 when there is no daemon.
peak_rss_kib() {
  local pid="$1"
  [[ -n "$pid" ]] || { echo 0; return; }
  awk '/^VmHWM:/{print $2; f=1} END{if(!f) print 0}' "/proc/$pid/status" 2>/dev/null || echo 0
}

# Unmounts MNT and waits until no daemon serving it is left (the one we know and any other process with MNT
# in its arguments); one still there after 20 s (our own child) is killed.
umount_overlay() {
  local impl="$1" mnt="$2" pid="$3" i p
  if [[ "$impl" == kernel* ]]; then
    umount "$mnt" 2>/dev/null || umount -l "$mnt"
  else
    fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  fi
  [[ "$impl" == kernel* ]] && return 0
  [[ "$impl" == lamina-warm* ]] && return 0   # the shared daemon stays, serving the next mount
  for ((i = 0; i < 2000; i++)); do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then sleep 0.01; continue; fi
    p=$(daemon_pid "$mnt") || return 0
    pid=$p
  done
  echo "bench: $impl daemon $pid did not exit after unmounting $mnt; killing it" >&2
  kill "$pid" 2>/dev/null || true
}

# Is lamina's mount command there? (It lands on main while the benchmark is being written.)
lamina_available() {
  [[ -x "$LAMINA_CMD" ]] && $LAMINA_CMD mount --help >/dev/null 2>&1
}
