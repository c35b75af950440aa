#!/bin/sh
# grader-fixture.sh — grade the fixture submission and check every outcome.
#
# tests/grader-fixture/ is a tiny courseware (labs/, hidden/) whose one
# "student" misbehaves once per test: fail, segfault, leak, IPC leak, endless
# loop, exit(0), fork-and-return, bad write, abort, and a lab with no lab.c.
#
#   $ sh tests/grader-fixture.sh build/bin/shmlab-grade build/test/fixture
set -u
grader=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
cw="$out-courseware"
log="$out.log"
rm -rf "$cw"
mkdir -p "$cw/grader/hidden"
cp -r "$here/grader-fixture/labs" "$cw/labs"
cp -r "$here/grader-fixture/hidden/." "$cw/grader/hidden/"
ln -s "$here/../grader/runner" "$cw/grader/runner"
{
    "$grader" --courseware "$cw" --submission "$here/grader-fixture/submission" --out "$out" ||
        { echo "grader exited $?"; exit 1; }
    diff=$(sh "$here/compare-grades.sh" "$here/grader-fixture/expected" "$out/results.tsv") ||
        { echo "compare-grades failed: $diff"; exit 1; }
    [ -z "$diff" ] || { echo "$diff"; exit 1; }
    grep -q '"visibility": "after_published"' "$out/results.json" ||
        { echo "results.json: hidden tests are not after_published"; exit 1; }
    if grep -q '100%' "$out/results.json" "$out/results.tsv"; then
        echo "the submission's fake Check summary reached the results"; exit 1
    fi
} >"$log" 2>&1
