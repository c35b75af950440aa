#!/bin/sh
# stability.sh — the same verdict on a starved machine.
#
# Grades a class of two, the reference solutions and the starters, (a) with
# a CPU hog on every core, (b) inside a cgroup of 0.5 CPU and 768 MiB (a
# Gradescope container's default; where one can be made, else "skipped:
# <why>").  The references must get full marks in every lab, the starters
# 0.  Prints each run's wall time.
#
#   $ sh tests/stability.sh build/bin/shmlab-grade build/test/stability hog
#   $ sh tests/stability.sh build/bin/shmlab-grade build/test/stability cgroup
set -u
grader=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$2
how=$3
class=$out/class-$how
rm -rf "$class" "$out/$how"
mkdir -p "$class/reference" "$class/starter"
for d in labs/[0-9][0-9]-*/; do
    slug=$(basename "$d")
    mkdir -p "$class/reference/$slug" "$class/starter/$slug"
    cp "solutions/$slug/lab.c" "$class/reference/$slug/lab.c"
    cp "labs/$slug/lab.c" "$class/starter/$slug/lab.c"
done

start=$(date +%s)
case $how in
hog)
    hogs=""
    for _ in $(seq "$(nproc)"); do
        sh -c 'while :; do :; done' &
        hogs="$hogs $!"
    done
    "$grader" --quiet --class "$class" --out "$out/$how" >"$out/$how.log" 2>&1
    status=$?
    kill $hogs
    ;;
cgroup)
    sh scripts/in-cgroup.sh 0.5 768 "$grader" --quiet --class "$class" --out "$out/$how" >"$out/$how.log" 2>&1
    status=$?
    if [ "$status" -eq 3 ] && grep -q '^skipped:' "$out/$how.log"; then
        head -n 1 "$out/$how.log"
        exit 0
    fi
    ;;
esac
seconds=$(( $(date +%s) - start ))
[ "$status" -eq 0 ] || { echo "class grading exited $status"; tail -n 5 "$out/$how.log"; exit 1; }
echo "graded 2 submissions in ${seconds} s"
# gradebook.csv: student, one column per lab, total, status.
bad=$(awk -F, 'NR > 1 {
        for (i = 2; i <= NF - 2; i++)
            if (($1 == "reference" && $i != 100) || ($1 == "starter" && $i != 0)) print $1 " lab column " i - 1 ": " $i
        if ($NF != "ok") print $1 ": status " $NF
    }' "$out/$how/gradebook.csv")
if [ -n "$bad" ]; then
    echo "$bad"
    for t in "$out/$how"/reference/results.tsv; do
        awk -F'\t' 'NR > 1 && $4 != "pass" { print "  " $1 " " $2 ": " $4 " " $8 }' "$t" | head -n 10
    done
    exit 1
fi
