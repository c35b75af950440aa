#!/bin/sh
# classroom-runner.sh — one lab's public tests for GitHub Classroom: run the
# grader, then write one autograding runner result per test to OUTPUT (the
# step's $GITHUB_OUTPUT) as TEST=BASE64, the format
# classroom-resources/autograding-grading-reporter reads from <ID>_RESULTS.
#
# One runner per test, not per lab: the reporter's table gives a runner
# (tests passed / tests) x max_score, while Classroom's total adds up each
# test's own "score".  shmlab's tests carry different points, so only a runner
# holding exactly one test makes both equal the points shmlab gives.
# Whatever happens (no grader, a build error, the time limit), every test of
# the lab gets a result: a missing one would stop the reporter.
#
#   $ sh scripts/classroom-runner.sh 4 "$GITHUB_OUTPUT"   # the workflow's lab 04 step
#   $ sh scripts/classroom-runner.sh --limit 4             # its time budget, in seconds
set -eu
cd "$(dirname "$0")/.."
mode=run
if [ "${1:-}" = --limit ]; then mode=limit; shift; fi
[ $# -eq $([ $mode = run ] && echo 2 || echo 1) ] ||
    { echo "usage: classroom-runner.sh LAB OUTPUT | --limit LAB" >&2; exit 2; }
dir=$(sh scripts/lab-dir.sh "$1")
slug=$(basename "$dir")
lab=${slug%%-*}

# The public tests, in the points file's order: "name points" per line.
tests=$(sed 's/#.*//' "$dir/points" | awk '$1 !~ /^@/ && NF >= 2 { print $1, $2 }')

# The budget allows every test to time out under valgrind ((T x 4 + 3) s)
# and again natively (T s), one at a time, plus a minute to build: a lab that
# hangs in every test still gets its results written before the step's own
# timeout-minutes (github-classroom.sh) would kill us.
base=$(sed -n 's/^[ \t]*@timeout[ \t]\{1,\}\([0-9.]\{1,\}\).*/\1/p' "$dir/points" | tail -n 1)
limit=$(echo "$tests" | awk -v t="${base:-5}" 'NF { n++ } END { printf "%d\n", n * (5 * t + 3) + 60 }')
if [ $mode = limit ]; then echo "$limit"; exit 0; fi
output=$2

out=build/classroom/$slug
rm -rf "$out"
mkdir -p "$out"
grader=build/bin/shmlab-grade
start=$(date +%s)
rc=0
if [ -x "$grader" ]; then
    # A score of 0 is no failure of this step: the reporter decides that.
    timeout -k 10 "$limit" "$grader" --lab "$lab" --public-only --out "$out" || rc=$?
    case $rc in
        0) why="" ;;
        124|137) why="not graded: lab $slug ran out of its $limit s budget (run make check LAB=$lab yourself)" ;;
        *) why="not graded: the grader stopped with exit status $rc" ;;
    esac
else
    why="not graded: the grader was not built (see the step that builds it)"
fi
[ -f "$out/results.tsv" ] || : >"$out/results.tsv"

# Join the test list with results.tsv; print "name<TAB>json" per test.
# JSON by hand (awk), so a runner needs nothing beyond POSIX tools and base64.
echo "$tests" | awk -v slug="$slug" -v lab="$lab" -v why="$why" -v tsv="$out/results.tsv" '
    function js(s) {
        gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s)
        gsub(/[\001-\037]/, " ", s)
        return "\"" s "\""
    }
    BEGIN {
        FS = "\t"
        while ((getline line < tsv) > 0) {
            split(line, f, "\t")
            if (f[1] == slug && f[3] == "public") {
                outcome[f[2]] = f[4]; score[f[2]] = f[5]; max[f[2]] = f[6]
                secs[f[2]] = f[7]; reason[f[2]] = f[8]
            }
        }
        FS = " "
    }
    NF >= 2 {
        name = $1
        if (name in outcome) {
            st = outcome[name] == "pass" ? "pass" : "fail"
            sc = score[name] + 0; mx = max[name] + 0; ms = int(secs[name] * 1000)
            msg = st == "pass" ? "" : outcome[name] ": " reason[name]
        } else {
            st = "error"; sc = 0; mx = $2 + 0; ms = 0
            msg = why != "" ? why : "not graded: the grader gave no result for this test"
        }
        # The console prints test_code under every test: for a failure it
        # is the reason and the command that reruns it.
        code = st == "pass" ? "" : "make check LAB=" lab "    # " msg
        printf "%s\t{\"version\":1,\"status\":%s,\"max_score\":%d,\"tests\":[{\"name\":%s,\"status\":%s,\"score\":%d,\"message\":%s,\"test_code\":%s,\"filename\":%s,\"line_no\":0,\"duration\":%d}]}\n",
            name, js(st), mx, js(slug ": " name), js(st), sc, js(msg), js(code), js("labs/" slug "/lab.c"), ms
    }' >"$out/runners.tsv"

tab=$(printf '\t')
while IFS=$tab read -r name json; do
    printf '%s=%s\n' "$name" "$(printf '%s' "$json" | base64 | tr -d '\n')"
done <"$out/runners.tsv" >>"$output"
echo "classroom-runner: $slug: $(wc -l <"$out/runners.tsv") results written in $(($(date +%s) - start)) s${why:+ ($why)}"
