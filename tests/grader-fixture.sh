#!/bin/sh
# grader-fixture.sh — grade the fixture submission and check every outcome.
#
# tests/grader-fixture/ is a tiny courseware (labs/, hidden/) whose one
# "student" misbehaves once per test: fail, segfault, leak, IPC leaks, endless
# loop, exit(0), fork-and-return, bad write, abort, fork bomb, memory hog,
# killing its supervisor, closing stdout, tampering with the results,
# removing every IPC object it can see, sleeping while holding a semaphore;
# and a lab with no lab.c.  Afterwards
# no process of it may be left.
#
#   $ sh tests/grader-fixture.sh build/bin/shmlab-grade build/test/fixture
set -u
grader=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)   # absolute: compared with the processes' working folders
here=$(cd "$(dirname "$0")" && pwd)
cw="$out-courseware"
log="$out.log"
rm -rf "$cw"
mkdir -p "$cw/grader/hidden"
cp -r "$here/grader-fixture/labs" "$cw/labs"
cp -r "$here/grader-fixture/hidden/." "$cw/grader/hidden/"
ln -s "$here/../grader/runner" "$cw/grader/runner"
ln -s "$here/../grader/allowed-calls" "$cw/grader/allowed-calls"
{
    "$grader" --courseware "$cw" --submission "$here/grader-fixture/submission" --out "$out" ||
        { echo "grader exited $?"; exit 1; }
    diff=$(sh "$here/compare-grades.sh" "$here/grader-fixture/expected" "$out/results.tsv") ||
        { echo "compare-grades failed: $diff"; exit 1; }
    [ -z "$diff" ] || { echo "$diff"; exit 1; }
    # Timeouts say which they were: a hang, or too slow only under valgrind.
    grep -q '^99-toy	t_loop	.*timeout: hangs (natively too)' "$out/results.tsv" ||
        { echo "t_loop's reason does not say it hangs natively too"; exit 1; }
    grep -q '^99-toy	t_stall_under_valgrind	.*too slow under valgrind (natively it passes in' "$out/results.tsv" ||
        { echo "t_stall_under_valgrind's reason does not say it passes natively"; exit 1; }
    grep -q '"visibility": "after_published"' "$out/results.json" ||
        { echo "results.json: hidden tests are not after_published"; exit 1; }
    if grep -q '100%' "$out/results.json" "$out/results.tsv"; then
        echo "the submission's fake Check summary reached the results"; exit 1
    fi

    # Where namespaces are refused: leftovers found by snapshot, then removed.
    # Without namespaces a test's uid must reach its folder through the real
    # path, which a clone inside a 0700 mktemp -d does not allow: a folder
    # of its own that it can traverse.
    nons=$(mktemp -d "${TMPDIR:-/tmp}/shmlab-nons.XXXXXX") && chmod 711 "$nons" ||
        { echo "cannot make a folder for the --no-namespace run"; exit 1; }
    "$grader" --courseware "$cw" --submission "$here/grader-fixture/submission" --out "$nons/out" \
        --lab 99 --no-namespace >/dev/null || { echo "--no-namespace grading exited $?"; exit 1; }
    grep -q 'no namespace' "$nons/out/report.txt" || { echo "report.txt does not say which isolation ran"; exit 1; }
    for t in t_ipcleak t_semleak; do
        grep -q "^99-toy	$t	public	ipc-leak" "$nons/out/results.tsv" || { echo "--no-namespace: $t is not an ipc-leak"; exit 1; }
    done
    rm -rf "$nons"

    # A lab folder that is a symbolic link (to someone else's work, say) is
    # refused by name: no symlink anywhere below the submission.
    rm -rf "$out-link" && mkdir -p "$out-link/sub"
    ln -s "$here/grader-fixture/submission/99-toy" "$out-link/sub/99-toy"
    "$grader" --courseware "$cw" --submission "$out-link/sub" --out "$out-link/out" --lab 99 >/dev/null ||
        { echo "grading a symlinked lab folder exited $?"; exit 1; }
    grep -q '^99-toy	t_pass	public	not-run	0	1	[0-9.]*	.*99-toy is a symbolic link' "$out-link/out/results.tsv" ||
        { echo "a symlinked lab folder was not refused as one"; exit 1; }

    # A class: the fixture student, an empty folder, and a student whose
    # toy(1) is fixed (+2 points).  Rows in name order, quoted where needed.
    class="$out-class"
    rm -rf "$class" && mkdir -p "$class/alice" "$class/bob,jr" "$class/carol" "$class/=1+1" "$class/gradebook.csv"
    cp -r "$here/grader-fixture/submission/99-toy" "$class/alice/"
    cp -r "$here/grader-fixture/submission/99-toy" "$class/carol/"
    sed -i 's/case 1: return 1;/case 1: return 0;/' "$class/carol/99-toy/lab.c"
    "$grader" --courseware "$cw" --class "$class" --out "$class-out" || { echo "class grading exited $?"; exit 1; }
    # A folder named like a formula stays text in a spreadsheet ('=1+1).
    printf '%s\n' "student,98-missing,99-toy,total,status" "\"'=1+1\",0,0,0,ok" "alice,0,14,14,ok" \
        '"bob,jr",0,0,0,ok' "carol,0,16,16,ok" "gradebook.csv,0,0,0,ok" | diff - "$class-out/gradebook.csv" ||
        { echo "gradebook.csv differs from the expected one (above)"; exit 1; }
    # Each student's results are the instructor's alone.
    [ "$(stat -c %a "$class-out/students/alice")" = 700 ] ||
        { echo "a student's results folder is mode $(stat -c %a "$class-out/students/alice"), not 700"; exit 1; }
    # A test works in its folder under a mount of its own (/tmp/test), so
    # its processes are found by their working folder's device and inode.
    dirs=$(find "$out" "$class-out" -type d -exec stat -c '%d:%i' {} + | sort -u)
    left=$(for p in /proc/[0-9]*; do
               id=$(stat -L -c '%d:%i' "$p/cwd" 2>/dev/null) || continue
               echo "$dirs" | grep -qx "$id" && echo "${p#/proc/}"
           done)
    [ -z "$left" ] || { echo "processes of the sandboxed tests are still running:"; echo "$left"; exit 1; }
} >"$log" 2>&1
