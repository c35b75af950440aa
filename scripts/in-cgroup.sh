#!/bin/sh
# in-cgroup.sh — run a command inside a fresh cgroup with a CPU quota and a
# memory limit, as a Gradescope container would (its default: 0.5 CPU,
# 768 MiB).  cgroup v2 (cpu.max, memory.max) or v1 (cpu.cfs_quota_us,
# memory.limit_in_bytes); needs root.  Exit status: the command's; 3 with
# "skipped: <why>" on stdout when no cgroup could be made here.
#
#   $ sh scripts/in-cgroup.sh 0.5 768 make grade SUBMISSION=solutions
set -u
cpus=$1 mem_mb=$2
shift 2
name=shmlab-$$
quota=$(awk -v c="$cpus" 'BEGIN { printf "%d", c * 100000 }')
skip() { echo "skipped: $*"; exit 3; }
[ "$(id -u)" -eq 0 ] || skip "making a cgroup needs root (this is uid $(id -u))"

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    base=/sys/fs/cgroup
    grep -qw cpu $base/cgroup.controllers && grep -qw memory $base/cgroup.controllers ||
        skip "cgroup v2 without the cpu and memory controllers"
    echo "+cpu +memory" >$base/cgroup.subtree_control 2>/dev/null ||
        skip "cannot enable cpu and memory in $base/cgroup.subtree_control"
    mkdir "$base/$name" 2>/dev/null || skip "cannot create $base/$name"
    echo "$quota 100000" >"$base/$name/cpu.max" && echo $((mem_mb << 20)) >"$base/$name/memory.max" ||
        { rmdir "$base/$name"; skip "cannot set cpu.max / memory.max"; }
    dirs="$base/$name"
    procs=cgroup.procs
else
    cpu=/sys/fs/cgroup/cpu memory=/sys/fs/cgroup/memory
    [ -d "$cpu" ] && [ -d "$memory" ] || skip "no cgroup v2, and no v1 cpu and memory hierarchies"
    mkdir "$cpu/$name" "$memory/$name" 2>/dev/null || skip "cannot create $cpu/$name and $memory/$name"
    dirs="$cpu/$name $memory/$name"
    echo 100000 >"$cpu/$name/cpu.cfs_period_us" && echo "$quota" >"$cpu/$name/cpu.cfs_quota_us" &&
        echo $((mem_mb << 20)) >"$memory/$name/memory.limit_in_bytes" ||
        { rmdir $dirs; skip "cannot set the cpu quota / memory limit"; }
    procs=tasks
fi

# Remove our cgroups, and whatever cgroups the command made inside them
# (the grader's per-test ones, which a killed run leaves), deepest first.
cleanup() {
    for d in $dirs; do
        find "$d" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
        rmdir "$d" 2>/dev/null || { sleep 1; rmdir "$d" 2>/dev/null; }
    done
}
# Stopped (Ctrl-C, a CI time-out): end every process in our cgroups first,
# so that nothing is left to keep them.
stopped() {
    for d in $dirs; do
        for pid in $(find "$d" -name "$procs" -exec cat {} + 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    done
    sleep 1
    cleanup
    exit 130
}
trap stopped INT TERM HUP

# The command runs in a child that moved itself in first; afterwards the
# (empty) cgroups are removed.
dirs_list=$dirs
sh -c 'for d in $0; do echo $$ >"$d/'"$procs"'" || exit 125; done; exec "$@"' "$dirs_list" "$@" &
child=$!
wait $child
status=$?
cleanup
exit $status
