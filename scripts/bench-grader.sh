#!/bin/sh
# bench-grader.sh — how long grading takes, measured in this one run: one full
# submission (the reference solutions, every lab, under valgrind) with the
# grader's speed-ups and without them (--no-speedups), then a class of N
# copies graded serially (--jobs 1) and in parallel (all cores).  Prints the
# time per submission, the speed-ups as ratios, and where one submission's
# time goes, per lab and per phase (grader/src/main.c writes timing.tsv):
#
#   build      the courseware's side (shared by a class: built once) and the
#              student's lab.c (compiled confined, linked)
#   start-up   what every test pays to start and end: the shortest test of the
#              lab (sandbox, valgrind start-up, leak check) times the tests
#   bodies     the CPU the tests used beyond that
#   waits      the tests' wall time in which they used no CPU (sleeps, blocked
#              calls, waiting for another process)
#
# Targets on 2 cores (issue "Grade a class of 200 in under an hour"): one
# submission alone <= 25 s, <= 15 s per submission in a class of 4 or more.
#
#   $ make bench-grader                 # N=20: expect a quarter of an hour
#   $ make bench-grader CLASS_SIZE=4    # a quicker look
set -eu
n=${CLASS_SIZE:-20}
cores=$(getconf _NPROCESSORS_ONLN)
grader=build/bin/shmlab-grade
out=build/bench/grader
rm -rf "$out"
mkdir -p "$out/class"
i=1
while [ "$i" -le "$n" ]; do
    cp -r solutions "$out/class/student$(printf '%03d' "$i")"
    i=$((i + 1))
done

now() { date +%s.%N; }
# timed NAME ARGS...: run the grader, set $NAME to its wall time in seconds.
timed() {
    name=$1
    shift
    t0=$(now)
    "$grader" --quiet "$@"
    t1=$(now)
    eval "$name=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
per() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.1f", s / n }'; }

timed one --submission solutions --out "$out/one"
timed plain --submission solutions --out "$out/plain" --no-speedups
timed serial --class "$out/class" --jobs 1 --out "$out/serial"
timed parallel --class "$out/class" --jobs "$cores" --out "$out/parallel"

echo "grading benchmark ($cores cores, valgrind memcheck, $(tail -n +2 "$out/one/results.tsv" | wc -l) tests a submission)"
printf '  one submission                  %7s s   (target <= 25 s)\n' "$one"
printf '  one submission, --no-speedups   %7s s   speed-ups %s x\n' "$plain" "$(ratio "$plain" "$one")"
printf '  class of %-3d serial (--jobs 1)  %7s s   %s s per submission\n' "$n" "$serial" "$(per "$serial" "$n")"
printf '  class of %-3d parallel (%d jobs)  %7s s   %s s per submission (target <= 15 s)\n' "$n" "$cores" "$parallel" "$(per "$parallel" "$n")"
printf '  parallel speed-up               %7s x\n' "$(ratio "$serial" "$parallel")"
printf '  a class of 200 at that pace     %7s min (target <= 50 min)\n' \
    "$(awk -v s="$parallel" -v n="$n" 'BEGIN { printf "%.0f", s / n * 200 / 60 }')"
echo "  where one submission's time went ($out/one/timing.tsv; tests run side by side, so their"
echo "  times add up to more than the wall time):"
awk -F'\t' 'NR == 1 { next }
    $1 == "calibrate" { cal = $4 }
    $1 == "build" { build[$2] = $4; order[++n] = $2 }
    $1 == "trusted" { trusted[$2] = $4 }
    $1 == "tests" { wall[$2] = $4; count[$2] = $3 }
    $1 == "tests-cpu" { cpu[$2] = $4 }
    $1 == "test-shortest" { shortest[$2] = $4 }
    $1 == "builds-wall" { bwall = $4 }
    $1 == "tests-wall" { twall = $4 }
    $1 == "beside-waits" { beside = $3 }
    END {
        printf "    %-18s %9s %9s %6s %9s %9s %9s\n", "lab", "courseware", "lab.c", "tests", "start-up", "bodies", "waits"
        for (i = 1; i <= n; i++) {
            l = order[i]; up = count[l] * shortest[l]; body = cpu[l] - up; if (body < 0) body = 0
            waits = wall[l] - cpu[l]; if (waits < 0) waits = 0
            T += trusted[l]; S += build[l] - trusted[l]; N += count[l]; U += up; B += body; W += waits
            printf "    %-18s %7.1f s %7.1f s %6d %7.1f s %7.1f s %7.1f s\n", l, trusted[l], build[l] - trusted[l],
                   count[l], up, body, waits
        }
        printf "    %-18s %7.1f s %7.1f s %6d %7.1f s %7.1f s %7.1f s\n", "total", T, S, N, U, B, W
        printf "    calibration %.1f s once per run; all builds %.1f s and all tests %.1f s of wall time\n", cal, bwall, twall
        printf "    %d tests started beyond the core count while others only waited (grader/src/waits.c)\n", beside
    }' "$out/one/timing.tsv"
# The courseware side, as a class pays it: once, not per student.
alone=$(awk -F'\t' '$1 == "build" { b += $4 } END { printf "%.1f", b }' "$out/one/timing.tsv")
awk -F'\t' -v alone="$alone" '$1 == "build" { b += $4 } END {
    printf "  in the class, each student built only lab.c: %.1f s of builds a submission (alone, with the courseware side: %s s)\n", b, alone }' \
    "$out/parallel/students/student001/timing.tsv" 2>/dev/null || true

same() { cmp -s "$1" "$2" && echo "  $3 are identical" || echo "  WARNING: $3 differ"; }
same "$out/serial/gradebook.csv" "$out/parallel/gradebook.csv" "serial and parallel gradebooks"
cut -f1-6 "$out/one/results.tsv" >"$out/one.scores"
cut -f1-6 "$out/plain/results.tsv" >"$out/plain.scores"
same "$out/one.scores" "$out/plain.scores" "the scores with and without speed-ups"
