#!/bin/sh
# speedups-check.sh GRADER OUT — the grader's speed-ups change no verdict.
#
# A class made of the references, the starters and every entry of the attack
# corpus (as run.sh built them in OUT/corpus-src) is graded twice: as the
# grader runs by default, and with --no-speedups (each student's grader builds
# the labs' own tests itself, one lab at a time, and valgrind reads full debug
# information).  The two gradebooks must be byte-identical, and so must every
# student's outcomes and scores per test.  Prints both wall times.
set -eu
grader=$1
out=$2/speedups
rm -rf "$out"
mkdir -p "$out"
# Only lab.c files: a submission is <slug>/lab.c.
copy_labs() {
    for f in "$1"/[0-9][0-9]-*/lab.c; do
        [ -f "$f" ] || continue
        slug=$(basename "$(dirname "$f")")
        mkdir -p "$2/$slug"
        cp "$f" "$2/$slug/lab.c"
    done
}
# Students graded with the same options form one class: the references, the
# starters and the entries that take none; those that take one (an attack
# the static checks would refuse first, a shorter time limit) a class each.
copy_labs solutions "$out/class/reference"
copy_labs labs "$out/class/starter"
for entry in "$2"/corpus-src/*/; do
    [ -d "$entry" ] || continue
    name=$(basename "$entry")
    options=$(cat "grader/corpus/$name/options" 2>/dev/null || true)
    class=class$(echo "$options" | tr -c 'a-z0-9\n' '-' | sed 's/^-*/-/; s/-$//')
    [ -n "$options" ] || class=class
    mkdir -p "$out/$class"
    echo "$options" >"$out/$class.options"
    copy_labs "$entry" "$out/$class/$name"
done

now() { date +%s.%N; }
fast=0
plain=0
students=0
for class in "$out"/class*/; do
    class=${class%/}
    name=$(basename "$class")
    options=$(cat "$class.options" 2>/dev/null || true)
    t0=$(now)
    "$grader" --quiet --class "$class" --out "$out/$name-fast" $options >"$out/$name-fast.log" 2>&1 ||
        { echo "$name: the grader failed (with speed-ups): $(tail -n 3 "$out/$name-fast.log")"; exit 1; }
    t1=$(now)
    "$grader" --quiet --class "$class" --out "$out/$name-plain" --no-speedups $options >"$out/$name-plain.log" 2>&1 ||
        { echo "$name: the grader failed (--no-speedups): $(tail -n 3 "$out/$name-plain.log")"; exit 1; }
    t2=$(now)
    fast=$(awk -v s="$fast" -v a="$t0" -v b="$t1" 'BEGIN { print s + b - a }')
    plain=$(awk -v s="$plain" -v a="$t1" -v b="$t2" 'BEGIN { print s + b - a }')
    if ! cmp -s "$out/$name-fast/gradebook.csv" "$out/$name-plain/gradebook.csv"; then
        echo "$name ($options): the gradebooks differ:"
        diff "$out/$name-plain/gradebook.csv" "$out/$name-fast/gradebook.csv" | head -n 20
        exit 1
    fi
    for student in "$out/$name-fast"/students/*/; do
        who=$(basename "$student")
        students=$((students + 1))
        # lab, test, visibility, outcome, score, max_score (the seconds differ, of course)
        cut -f1-6 "$student/results.tsv" >"$out/fast.tsv" 2>/dev/null || : >"$out/fast.tsv"
        cut -f1-6 "$out/$name-plain/students/$who/results.tsv" >"$out/plain.tsv" 2>/dev/null || : >"$out/plain.tsv"
        if ! cmp -s "$out/fast.tsv" "$out/plain.tsv"; then
            echo "student $who: outcomes differ per test:"
            diff "$out/plain.tsv" "$out/fast.tsv" | head -n 10
            exit 1
        fi
    done
done
awk -v n="$students" -v a="$fast" -v b="$plain" 'BEGIN {
    printf "%d students: %.0f s with the speed-ups, %.0f s without\n", n, a, b }'
