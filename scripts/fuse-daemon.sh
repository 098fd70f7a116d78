# Sourced by scripts/bench-mounts.sh and scripts/suites-common.sh.

# daemon_pid MNT: the pid of the FUSE daemon serving MNT (a fuse-overlayfs or java process with MNT among its
# arguments).
daemon_pid() {
  local mnt="$1" d exe
  for d in /proc/[0-9]*; do
    exe=$(readlink "$d/exe" 2>/dev/null) || continue
    case "${exe##*/}" in fuse-overlayfs | java) ;; *) continue ;; esac
    if tr '\0' '\n' <"$d/cmdline" 2>/dev/null | grep -qxF -e "$mnt" -e "${mnt%/}/"; then
      printf '%s' "${d#/proc/}"; return 0
    fi
  done
  return 1
}
