#!/bin/sh
# lms-check.sh — canvas.csv and moodle.csv from class grading, read back with
# python3's csv module: a class of four graded on lab 02 (the reference
# twice, one under a folder named like a formula; the starter twice, one not
# on the roster), with a roster in a spreadsheet's export (a byte order mark,
# quoted commas and quotes, a column shmlab ignores, a student who handed
# nothing in), then without one; and rosters that must stop the grader
# before it grades anything.  Exits 0 when all holds, else prints what did not.
#
#   $ sh tests/lms-check.sh build/bin/shmlab-grade build/test/lms
set -eu
cd "$(dirname "$0")/.."
grader=$1
out=$2
rm -rf "$out" && mkdir -p "$out"
class=$out/class
formula='=cmd|x'
for s in ann "$formula"; do mkdir -p "$class/$s/02-mmap" && cp solutions/02-mmap/lab.c "$class/$s/02-mmap/"; done
for s in bob zed; do mkdir -p "$class/$s/02-mmap" && cp labs/02-mmap/lab.c "$class/$s/02-mmap/"; done

printf '\357\273\277Student,ID,SIS User ID,SIS Login ID,Section,folder,Email address,Notes\r\n' >"$out/roster.csv"
cat >>"$out/roster.csv" <<EOF
"Liddell, Alice",101,S101,ann,OS-A,ann,ann@uni.example,first
"Bob ""the builder""",102,S102,bob,OS-B,bob,bob@uni.example,
=HYPERLINK(1),103,S103,mal,OS-A,$formula,mal@uni.example,
Dee,104,S104,dee,OS-A,dee,dee@uni.example,"handed nothing in"
EOF

# Bad rosters: one line, exit 2, nothing graded.
bad() {
    printf '%s' "$2" >"$out/bad.csv"
    if "$grader" --quiet --lab 2 --class "$class" --roster "$out/bad.csv" --out "$out/bad" >"$out/bad.log" 2>&1; then
        echo "FAIL: a roster with $1 was accepted"; exit 1
    fi
    [ "$(wc -l <"$out/bad.log")" -eq 1 ] && grep -q "$3" "$out/bad.log" ||
        { echo "FAIL: a roster with $1: want one line saying '$3', got:"; cat "$out/bad.log"; exit 1; }
    [ ! -e "$out/bad/gradebook.csv" ] || { echo "FAIL: a roster with $1: the class was graded anyway"; exit 1; }
}
bad "no folder column" 'Student,ID
Ann,1
' 'names no "folder" column'
bad "a folder twice" 'folder,ID
ann,1
bob,2
ann,3
' 'row 4: folder ann is also on an earlier row'
bad "an open quote" 'folder,ID
ann,"1
' 'row 2:'
bad "a row without a folder" 'folder,ID
,7
' 'row 2 has no folder'
if "$grader" --quiet --lab 2 --roster "$out/roster.csv" >"$out/bad.log" 2>&1 ||
   ! grep -q 'give it with --class' "$out/bad.log"; then
    echo "FAIL: --roster without --class was not refused"; cat "$out/bad.log"; exit 1
fi

"$grader" --quiet --lab 2 --class "$class" --roster "$out/roster.csv" --out "$out/with" >"$out/with.log" 2>&1 ||
    { echo "FAIL: class grading with a roster:"; tail -n 5 "$out/with.log"; exit 1; }
"$grader" --quiet --lab 2 --class "$class" --out "$out/without" >"$out/without.log" 2>&1 ||
    { echo "FAIL: class grading without a roster:"; tail -n 5 "$out/without.log"; exit 1; }

python3 - "$out" "$formula" <<'EOF'
import csv, sys
out, formula = sys.argv[1:]
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)
def rows(path):
    with open(path, newline='', encoding='utf-8') as f:
        return list(csv.reader(f, strict=True))
head = ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', '02-mmap']
want = [head, ['Points Possible', '', '', '', '', '100'],
        ['Liddell, Alice', '101', 'S101', 'ann', 'OS-A', '100'],
        ['Bob "the builder"', '102', 'S102', 'bob', 'OS-B', '0'],
        ["'=HYPERLINK(1)", '103', 'S103', 'mal', 'OS-A', '100'],
        ['Dee', '104', 'S104', 'dee', 'OS-A', ''],
        ['zed', '', '', 'zed', '', '0']]
got = rows(out + '/with/canvas.csv')
check(got == want, 'canvas.csv with the roster:\n    %r\n  want\n    %r' % (got, want))
want = [['Email address', '02-mmap'], ['ann@uni.example', '100'], ['bob@uni.example', '0'],
        ['mal@uni.example', '100'], ['dee@uni.example', ''], ['zed', '0']]
got = rows(out + '/with/moodle.csv')
check(got == want, 'moodle.csv with the roster: %r, want %r' % (got, want))
want = [head, ['Points Possible', '', '', '', '', '100'], ["'" + formula, '', '', "'" + formula, '', '100'],
        ['ann', '', '', 'ann', '', '100'], ['bob', '', '', 'bob', '', '0'], ['zed', '', '', 'zed', '', '0']]
got = rows(out + '/without/canvas.csv')
check(got == want, 'canvas.csv without a roster: %r, want %r' % (got, want))
want = [['Username', '02-mmap'], ["'" + formula, '100'], ['ann', '100'], ['bob', '0'], ['zed', '0']]
got = rows(out + '/without/moodle.csv')
check(got == want, 'moodle.csv without a roster: %r, want %r' % (got, want))
log = open(out + '/with.log', encoding='utf-8').read()
check('1 folder is not on the roster (zed)' in log, 'the unrostered folder is not reported: %r' % log)
check('1 student has no folder' in log, 'the student with no folder is not reported: %r' % log)
if problems:
    print('FAIL:')
    print('\n'.join('  ' + p for p in problems))
    sys.exit(1)
print('ok: canvas.csv and moodle.csv, with and without a roster; 4 bad rosters refused')
EOF
