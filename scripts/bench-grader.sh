#!/bin/sh
# bench-grader.sh — how long grading takes: one full submission (the reference
# solutions, every lab, under valgrind), then a class of N copies graded
# serially (--jobs 1) and in parallel (all cores).  Prints wall times and the
# parallel speed-up measured in this one run.  Targets on 2 cores: <= 60 s per
# submission, speed-up >= 1.8x.  Then where one submission's time went: the
# grader's timing.tsv (calibration, each lab's build and tests).
#
#   $ make bench-grader                 # N=20: expect tens of minutes
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

t0=$(now)
"$grader" --quiet --submission solutions --out "$out/one"
t1=$(now)
one=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
# Where the time goes in one submission: the tests' own wall time, summed.
tests=$(tail -n +2 "$out/one/results.tsv" | awk -F'\t' '{ s += $7; n++ } END { printf "%d tests, %.1f s of test time", n, s }')

t0=$(now)
"$grader" --quiet --class "$out/class" --jobs 1 --out "$out/serial"
t1=$(now)
serial=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
t0=$(now)
"$grader" --quiet --class "$out/class" --jobs "$cores" --out "$out/parallel"
t1=$(now)
parallel=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

echo "grading benchmark ($cores cores, valgrind memcheck)"
printf '  one full submission            %8s s   (%s; target <= 60 s)\n' "$one" "$tests"
printf '  class of %-3d serial (--jobs 1) %8s s   %.1f s per submission\n' "$n" "$serial" "$(awk -v s="$serial" -v n="$n" 'BEGIN { print s / n }')"
printf '  class of %-3d parallel (%d jobs) %7s s   %.1f s per submission\n' "$n" "$cores" "$parallel" "$(awk -v s="$parallel" -v n="$n" 'BEGIN { print s / n }')"
printf '  parallel speed-up              %8s x   (target >= 1.8x on 2 cores)\n' "$(awk -v a="$serial" -v b="$parallel" 'BEGIN { printf "%.2f", a / b }')"
# Where one submission's time went, from the grader's own timing.tsv.
echo "  where one submission's time went (build/bench/grader/one/timing.tsv):"
awk -F'\t' 'NR == 1 { next }
    $1 == "calibrate" { printf "    calibration (once per run)     %6.1f s\n", $4 }
    $1 == "build" { build[$2] = $4; order[++n] = $2 }
    $1 == "tests" { tests[$2] = $4; count[$2] = $3 }
    $1 == "tests-wall" { wall = $4 }
    END {
        printf "    %-20s %8s %12s   (tests: their wall times summed; they run side by side)\n", "lab", "build", "tests"
        for (i = 1; i <= n; i++) { l = order[i]; b += build[l]; t += tests[l]
            printf "    %-20s %6.1f s %10.1f s   %d tests\n", l, build[l], tests[l], count[l] }
        printf "    %-20s %6.1f s %10.1f s   all tests together: %.1f s of wall time\n", "total", b, t, wall
    }' "$out/one/timing.tsv"
cmp -s "$out/serial/gradebook.csv" "$out/parallel/gradebook.csv" && echo "  serial and parallel gradebooks are identical" ||
    echo "  WARNING: serial and parallel gradebooks differ"
